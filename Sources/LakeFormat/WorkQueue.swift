import Dispatch
import Synchronization

/// Runs independent pieces of work on several threads, each thread taking the next
/// index as it finishes one, so a few large files do not leave a core idle.
public enum WorkQueue {
    /// Calls `body` for every index below `count` on up to `jobs` threads and returns
    /// the results in index order. Each thread first makes its own `State` (buffers,
    /// decoders) with `makeState` and lends it to every call it runs.
    public static func map<State, Result: Sendable>(
        _ count: Int, jobs: Int,
        state makeState: @Sendable () -> State,
        _ body: @Sendable (inout State, Int) -> Result
    ) -> [Result] {
        guard count > 0 else { return [] }
        let next = Atomic<Int>(0)
        let results = Mutex<[Result?]>(Array(repeating: nil, count: count))
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, count))) { _ in
            var state = makeState()
            while true {
                let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard i < count else { return }
                let result = body(&state, i)
                results.withLock { $0[i] = result }
            }
        }
        return results.withLock { $0.map { $0! } }
    }
}
