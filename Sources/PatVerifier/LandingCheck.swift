import PatGit

/// The history part of a pull-request check (`pat check`, `pat merge`): whether landing a branch on a base passes
/// the trust rule, with the verifier's own implementation, and how many approvals it carries.
public enum LandingCheck {
    /// With `trustRoot`, `base` itself is verified from it first; without, the base is taken as trusted (its
    /// signers and policy judge the change, never the branch's own).
    public static func run(path: String, base: ObjectID, head: ObjectID, trustRoot: TrustRoot?) throws -> Landing {
        let repository: Repository
        do { repository = try Repository.open(at: path) } catch {
            throw VerifierError.git("cannot open the store at \(path): \(error.message)")
        }
        if let trustRoot {
            var chain = TrustChain(repository: repository, root: trustRoot)
            try chain.verify(head: base, after: nil)
        }
        var chain = TrustChain(repository: repository, root: trustRoot ?? .commit(base))
        return try chain.verifyLanding(of: head, on: base)
    }
}
