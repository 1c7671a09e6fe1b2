import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Threads kept for the life of the process, for work that waits on the disk (fsync, a
/// file read from a cold cache) rather than on a core, `WorkQueue.forEachWaiting`, and
/// for work run beside the caller's (the replay's read-ahead). A thread made per call
/// cost a `clone`, a stack mapped and unmapped (each under the address space's lock,
/// which every page fault of the process takes too) and an exit: 1,800 threads for a
/// year of customers, 1,100 for the replay of a month of 50 stores. Threads are added
/// when every kept one is busy, up to `limit`; work beyond that waits for a thread to
/// come free, and `forEachWaiting`'s caller then does its calls itself.
public final class WaitingThreads: Sendable {
    public static let shared = WaitingThreads(limit: 64)

    struct State {
        var queue: [@Sendable () -> Void] = []
        var head = 0
        var threads = 0
        var idle = 0
    }
    let state = Mutex(State())
    /// Signalled once per piece of work queued for a thread.
    let queued = DispatchSemaphore(value: 0)
    let limit: Int

    /// A pool of at most `limit` threads (at least 1), made as work needs them.
    public init(limit: Int) { self.limit = max(1, limit) }

    /// Runs `work` on a kept thread, as soon as one is free.
    public func run(_ work: @escaping @Sendable () -> Void) {
        let spawn = state.withLock { s -> Bool in
            s.queue.append(work)
            let waiting = s.queue.count - s.head
            guard waiting > s.idle, s.threads < limit else { return false }
            s.threads += 1
            s.idle += 1
            return true
        }
        if spawn && !startThread() {
            // No thread could be made: the work waits for one of those there are, or,
            // with none, everything queued runs here (a signal left over from work
            // taken here only wakes a later thread to find nothing).
            let none = state.withLock { s -> Bool in
                s.threads -= 1
                s.idle -= 1
                return s.threads == 0
            }
            if none {
                while let taken = state.withLock({ s -> (@Sendable () -> Void)? in s.threads == 0 ? Self.take(&s) : nil }) {
                    taken()
                }
                return
            }
        }
        queued.signal()
    }

    static func take(_ s: inout State) -> (@Sendable () -> Void)? {
        guard s.head < s.queue.count else { return nil }
        let work = s.queue[s.head]
        s.queue[s.head] = {}  // what it captured goes with the call, not with the queue
        s.head += 1
        if s.head == s.queue.count {
            s.queue.removeAll(keepingCapacity: true)
            s.head = 0
        }
        return work
    }

    func loop() -> Never {
        while true {
            queued.wait()
            guard let work = state.withLock({ s -> (@Sendable () -> Void)? in
                let w = Self.take(&s)
                if w != nil { s.idle -= 1 }
                return w
            }) else { continue }
            work()
            state.withLock { $0.idle += 1 }
        }
    }

    // pthreads by hand: Foundation's Thread would be the one use of Foundation in this module.
    func startThread() -> Bool {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        guard pthread_create(&thread, nil, { context in
            Unmanaged<WaitingThreads>.fromOpaque(context!).takeRetainedValue().loop()
        }, context) == 0 else {
            Unmanaged<WaitingThreads>.fromOpaque(context).release()
            return false
        }
        pthread_detach(thread)
        return true
    }
}
