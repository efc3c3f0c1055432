/// A task's `follows` link (the task it follows on from) never closes a loop: the one rule,
/// used by the replica when an officer sets it and by the server when a push does, since
/// two links set on two replicas (A follows B here, B follows A there) each pass alone.
public enum FollowOn {
    /// The loop `task` following on from `target` would close (`task`, `target`, ...,
    /// `task`), or nil. `follows` gives a task's current link (nil: none, or no such task).
    public static func loop(task: String, follows target: String, _ follows: (String) throws -> String?) rethrows -> [String]? {
        var chain: [String] = [], seen = Set<String>()
        var next: String? = target
        while let current = next, seen.insert(current).inserted {
            chain.append(current)
            if current == task { return [task] + chain }
            next = try follows(current)
        }
        return nil
    }

    /// The refusal of a link that closes `loop`. `canSee` says which tasks of the loop the
    /// officer may see: the others are named only as hidden (`LinkRules`: their ids are not
    /// theirs to learn, not even from an error).
    public static func refusal(task: String, follows target: String, loop: [String],
                               canSee: (String) -> Bool = { _ in true }) -> WorkPlanError {
        func shown(_ id: String) -> String { canSee(id) ? RecordID.short(id) : "(a task you may not see)" }
        return WorkPlanError(.invalidInput, "task \(shown(task)) cannot follow on from \(shown(target)): that task already follows on from it (\(loop.map(shown).joined(separator: " → "))), and the links would go round in a loop")
    }
}
