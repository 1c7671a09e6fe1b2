import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs independent pieces of work on several threads, each thread taking the next
/// index as it finishes one, so a few large pieces do not leave a core idle. The one
/// pool of generation, verify, load and unpack.
public enum WorkQueue {
    /// What a call tells the queue: take the next index, or stop handing out indices
    /// (the other threads finish the call they are in and take no more).
    public enum Step: Sendable { case next, stop }

    /// Calls `body` for indices below `count`, in the order they are taken, on up to
    /// `jobs` threads, until every index is taken or a call returns `.stop`. Each
    /// thread first makes its own `State` (a connection, buffers) with `makeState`.
    public static func forEach<State>(
        _ count: Int, jobs: Int,
        state makeState: @Sendable () -> State,
        _ body: @Sendable (inout State, Int) -> Step
    ) {
        guard count > 0 else { return }
        let next = Atomic<Int>(0)
        let stopped = Atomic<Bool>(false)
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, count))) { _ in
            var state = makeState()
            while !stopped.load(ordering: .relaxed) {
                let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard i < count else { return }
                if body(&state, i) == .stop { stopped.store(true, ordering: .relaxed) }
            }
        }
    }

    /// `forEach` for work that needs no state of its own.
    public static func forEach(_ count: Int, jobs: Int, _ body: @Sendable (Int) -> Step) {
        forEach(count, jobs: jobs, state: { () }) { _, i in body(i) }
    }

    /// Calls `body` for every index below `count` on up to `jobs` threads and returns
    /// the results in index order. Each thread first makes its own `State` (buffers,
    /// decoders) with `makeState` and lends it to every call it runs.
    public static func map<State, Result: Sendable>(
        _ count: Int, jobs: Int,
        state makeState: @Sendable () -> State,
        _ body: @Sendable (inout State, Int) -> Result
    ) -> [Result] {
        let results = Mutex<[Result?]>(Array(repeating: nil, count: count))
        forEach(count, jobs: jobs, state: makeState) { state, i in
            let result = body(&state, i)
            results.withLock { $0[i] = result }
            return .next
        }
        return results.withLock { $0.compactMap { $0 } }
    }

    /// Calls `body` for every index below `count` on up to `threads` threads of its
    /// own, for work that waits on the disk rather than a core (fsync): Dispatch's
    /// `concurrentPerform` runs no more threads than there are cores, so two waits
    /// would never overlap on a 2-core machine. The caller's thread is one of them;
    /// returns when every call has.
    public static func forEachWaiting(_ count: Int, threads: Int, _ body: @escaping @Sendable (Int) -> Void) {
        guard count > 0 else { return }
        let next = Atomic<Int>(0)
        let drain: @Sendable () -> Void = {
            while true {
                let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard i < count else { return }
                body(i)
            }
        }
        // pthreads by hand: Foundation's Thread has no join, and this module does not
        // import Foundation.
        var started: [pthread_t] = []
        for _ in 1..<max(1, min(threads, count)) {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(ThreadBody(drain)).toOpaque()
            if pthread_create(&thread, nil, { context in
                Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue().run()
                return nil
            }, context) == 0 {
                started.append(thread)
            } else {
                Unmanaged<ThreadBody>.fromOpaque(context).release()  // fewer threads; the work still gets done
            }
        }
        drain()
        for thread in started { pthread_join(thread, nil) }
    }
}

/// The closure a thread of `WorkQueue.forEachWaiting` runs.
private final class ThreadBody: Sendable {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

