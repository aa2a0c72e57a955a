import Foundation

/// What a user may type for an expiry: dd-mm-yyyy (the dashboard's form), yyyy-mm-dd, or a relative
/// +Nd / +Nw / +Ny from today. A day means the end of that day, UTC.
public enum ExpiryInput {
    public static let accepted = "dd-mm-yyyy, yyyy-mm-dd, or +Nd / +Nw / +Ny"

    public static func day(from text: String, today: CivilDate) -> CivilDate? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("+") {
            guard let unit = trimmed.last, let count = Int(trimmed.dropFirst().dropLast()), count >= 0,
                  count <= 100_000 else { return nil }
            switch unit {
            case "d": return today.adding(days: count)
            case "w": return today.adding(days: count * 7)
            case "y": return count <= 1000 ? today.adding(years: count) : nil
            default: return nil
            }
        }
        let parts = trimmed.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) })
        else { return nil }
        let numbers = parts.compactMap { Int($0) }
        if parts[0].count == 2, parts[1].count == 2, parts[2].count == 4 {
            return CivilDate(year: numbers[2], month: numbers[1], day: numbers[0])
        }
        if parts[0].count == 4, parts[1].count == 2, parts[2].count == 2 {
            return CivilDate(year: numbers[0], month: numbers[1], day: numbers[2])
        }
        return nil
    }

    /// `-1d`: a relative date written backwards, as it would be forwards (`+1d`); nil for anything else.
    public static func forwardForm(ofBackwards text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("-") else { return nil }
        let forward = "+" + trimmed.dropFirst()
        return day(from: forward, today: CivilDate(year: 2000, month: 1, day: 1)!) == nil ? nil : forward
    }

    /// The expiry instant, or every reason it cannot be used.
    public static func resolve(_ text: String, now: Date, maxLifetimeDays: Int) -> Result<Date, TokenValidationError> {
        let today = CivilDate(containing: now)
        if let forward = forwardForm(ofBackwards: text) {
            return .failure(TokenValidationError(.expiryBackwards(text, forward: forward)))
        }
        guard let day = day(from: text, today: today) else {
            return .failure(TokenValidationError(.expiryUnparsable(text)))
        }
        let latest = today.adding(days: maxLifetimeDays)
        if day.endOfDay <= now { return .failure(TokenValidationError(.expiryInPast(day))) }
        if day > latest { return .failure(TokenValidationError(.expiryTooFar(day, latest: latest, maxDays: maxLifetimeDays))) }
        return .success(day.endOfDay)
    }
}
