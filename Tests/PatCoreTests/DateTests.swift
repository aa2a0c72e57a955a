import Foundation
import Testing
@testable import PatCore

@Suite struct DateTests {
    /// 2026-11-23T12:00:00Z
    static let now = Date(timeIntervalSince1970: 1_795_435_200)

    @Test func civilDatesRoundTripOverFourCenturies() {
        var previous: CivilDate?
        for days in stride(from: -100_000, through: 100_000, by: 7) {
            let date = CivilDate(daysSinceEpoch: days)
            #expect(date.daysSinceEpoch == days)
            if let previous { #expect(previous < date) }
            previous = date
        }
    }

    @Test func leapYearsFollowTheGregorianRule() {
        #expect(CivilDate(year: 2024, month: 2, day: 29) != nil)
        #expect(CivilDate(year: 2100, month: 2, day: 29) == nil)
        #expect(CivilDate(year: 2000, month: 2, day: 29) != nil)
        #expect(CivilDate(year: 2026, month: 4, day: 31) == nil)
        #expect(CivilDate(year: 2024, month: 2, day: 29)!.adding(years: 1).description == "2025-02-28")
    }

    @Test func timestampsAreUTCAndRoundTrip() throws {
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(Timestamp.format(Self.now) == "2026-11-23T12:00:00Z")
        let parsed = try #require(Timestamp.parse("2026-12-31T23:59:59Z"))
        #expect(Timestamp.format(parsed) == "2026-12-31T23:59:59Z")
        for bad in ["2026-12-31 23:59:59Z", "2026-13-01T00:00:00Z", "2026-12-31T24:00:00Z", "2026-12-31T23:59:59+01:00", ""] {
            #expect(Timestamp.parse(bad) == nil, "\(bad)")
        }
    }

    @Test(arguments: [
        ("31-12-2026", "2026-12-31T23:59:59Z"),
        ("2026-12-31", "2026-12-31T23:59:59Z"),
        ("23-11-2026", "2026-11-23T23:59:59Z"),
        ("+0d", "2026-11-23T23:59:59Z"),
        ("+30d", "2026-12-23T23:59:59Z"),
        ("+2w", "2026-12-07T23:59:59Z"),
        ("+1y", "2027-11-23T23:59:59Z"),
        (" 01-02-2027 ", "2027-02-01T23:59:59Z"),
    ])
    func acceptedExpiryForms(input: String, expected: String) throws {
        let date = try ExpiryInput.resolve(input, now: Self.now, maxLifetimeDays: 366).get()
        #expect(Timestamp.format(date) == expected)
    }

    @Test(arguments: [
        ("31-02-2027", "expiry date '31-02-2027' is not a date: use dd-mm-yyyy, yyyy-mm-dd, or +Nd / +Nw / +Ny"),
        ("12/31/2026", "expiry date '12/31/2026' is not a date: use dd-mm-yyyy, yyyy-mm-dd, or +Nd / +Nw / +Ny"),
        ("+3m", "expiry date '+3m' is not a date: use dd-mm-yyyy, yyyy-mm-dd, or +Nd / +Nw / +Ny"),
        ("tomorrow", "expiry date 'tomorrow' is not a date: use dd-mm-yyyy, yyyy-mm-dd, or +Nd / +Nw / +Ny"),
        ("22-11-2026", "expiry date 22-11-2026 is in the past"),
        ("+367d", "expiry date 25-11-2027 is beyond the store's maximum lifetime of 366 days (latest 24-11-2027)"),
        ("+2y", "expiry date 23-11-2028 is beyond the store's maximum lifetime of 366 days (latest 24-11-2027)"),
    ])
    func refusedExpiries(input: String, message: String) {
        let result = ExpiryInput.resolve(input, now: Self.now, maxLifetimeDays: 366)
        #expect(result.failure?.description == message)
    }

    @Test(arguments: [("-1d", "+1d"), (" -12w", "+12w"), ("-1y", "+1y"), ("-0d", "+0d")])
    func backwardsRelativeDatesAreRecognised(text: String, forward: String) {
        #expect(ExpiryInput.forwardForm(ofBackwards: text) == forward)
    }

    @Test(arguments: ["+1d", "-1x", "-", "-d", "01-01-2030", "-01-01-2030", "--1d", "-1.5d"])
    func otherTextIsNotABackwardsDate(text: String) {
        #expect(ExpiryInput.forwardForm(ofBackwards: text) == nil)
    }

    @Test func theLastAllowedDayIsAccepted() throws {
        let date = try ExpiryInput.resolve("+366d", now: Self.now, maxLifetimeDays: 366).get()
        #expect(Timestamp.format(date) == "2027-11-24T23:59:59Z")
    }
}
