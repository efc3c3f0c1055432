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

    /// The refusal of a link that closes `loop`.
    public static func refusal(task: String, follows target: String, loop: [String]) -> WorkPlanError {
        WorkPlanError(.invalidInput, "task \(RecordID.short(task)) cannot follow on from \(RecordID.short(target)): that task already follows on from it (\(loop.map(RecordID.short).joined(separator: " → "))), and the links would go round in a loop")
    }
}
