import Foundation
import PatCore
import PatGit

/// The dashboard's buttons on a store: each one signed commit, rebuilt on the new head if another writer won.
extension Store {
    public func generate(_ request: TokenSettingsRequest, _ options: WriteOptions) throws -> CommittedChange {
        let catalog = try BuiltInTemplates.catalog()
        return try write(options) { view, now in try TokenOperations.generate(request, in: view, now: now, catalog: catalog) }
    }

    public func edit(_ id: TokenID, _ request: TokenSettingsRequest, _ options: WriteOptions) throws -> CommittedChange {
        let catalog = try BuiltInTemplates.catalog()
        return try write(options) { view, now in try TokenOperations.edit(id, request, in: view, now: now, catalog: catalog) }
    }

    public func regenerate(_ ids: [TokenID], expires: String?, _ options: WriteOptions) throws -> CommittedChange {
        try write(options) { view, now in try TokenOperations.regenerate(ids, expires: expires, in: view, now: now) }
    }

    public func copy(_ id: TokenID, _ request: TokenSettingsRequest, _ options: WriteOptions) throws -> CommittedChange {
        try write(options) { view, now in try TokenOperations.copy(id, request, in: view, now: now) }
    }

    public func remove(_ selection: TokenOperations.Selection, _ options: WriteOptions) throws -> CommittedChange {
        try write(options) { view, _ in try TokenOperations.remove(selection, in: view) }
    }
}
