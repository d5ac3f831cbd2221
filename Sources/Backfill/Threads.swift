import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A mutex with a condition variable. Blocking socket work runs on dedicated threads, never on
/// Swift concurrency's cooperative pool, so the pipeline is built from these.
public final class Monitor: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()

    public init() {
        pthread_mutex_init(&self.mutex, nil)
        pthread_cond_init(&self.cond, nil)
    }

    deinit {
        pthread_cond_destroy(&self.cond)
        pthread_mutex_destroy(&self.mutex)
    }

    @discardableResult
    public func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&self.mutex)
        defer { pthread_mutex_unlock(&self.mutex) }
        return try body()
    }

    /// Waits (with the lock held by the caller inside `locked`) until signalled.
    public func wait() { pthread_cond_wait(&self.cond, &self.mutex) }
    public func broadcast() { pthread_cond_broadcast(&self.cond) }
}

/// A FIFO that blocks consumers until an item arrives or the queue is closed.
final class WorkQueue<Item>: @unchecked Sendable {
    private let monitor = Monitor()
    private var items: [Item] = []
    private var head = 0
    private var closed = false

    func push(_ item: Item) {
        self.monitor.locked {
            self.items.append(item)
            self.monitor.broadcast()
        }
    }

    /// The next item, or nil once the queue is closed and drained.
    func pop() -> Item? {
        self.monitor.locked {
            while self.head == self.items.count && !self.closed { self.monitor.wait() }
            guard self.head < self.items.count else { return nil }
            let item = self.items[self.head]
            self.head += 1
            if self.head > 1024 && self.head * 2 > self.items.count {
                self.items.removeFirst(self.head)
                self.head = 0
            }
            return item
        }
    }

    func close() {
        self.monitor.locked {
            self.closed = true
            self.monitor.broadcast()
        }
    }
}

/// A counting semaphore: bounds how much work is in flight (back-pressure on the database side).
final class Slots: @unchecked Sendable {
    private let monitor = Monitor()
    private var available: Int
    /// The most one `acquire` can take (more would wait forever).
    let capacity: Int

    init(_ count: Int) {
        self.capacity = max(1, count)
        self.available = self.capacity
    }

    /// Takes `count` slots (at most `capacity`) at once; returns false if `shouldStop` became true
    /// while waiting.
    func acquire(_ count: Int = 1, shouldStop: () -> Bool) -> Bool {
        let n = min(max(0, count), self.capacity)
        return self.monitor.locked {
            while self.available < n && !shouldStop() { self.monitor.wait() }
            guard !shouldStop() else { return false }
            self.available -= n
            return true
        }
    }

    /// Gives back what `acquire` took.
    func release(_ count: Int = 1) {
        let n = min(max(0, count), self.capacity)
        self.monitor.locked {
            self.available += n
            self.monitor.broadcast()
        }
    }

    /// Wakes waiters so they can notice a stop.
    func wakeAll() { self.monitor.locked { self.monitor.broadcast() } }
}

/// A joinable thread running `body`.
final class WorkerThread {
    private var thread = pthread_t()
    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    init(_ body: @escaping () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setstacksize(&attributes, 1 << 20)
        let rc = pthread_create(&self.thread, &attributes, { arg in
            guard let arg else { return nil }
            Unmanaged<Box>.fromOpaque(arg).takeRetainedValue().body()
            return nil
        }, box)
        pthread_attr_destroy(&attributes)
        precondition(rc == 0, "cannot start a worker thread (pthread_create: \(rc)); lower --jobs")
    }

    func join() { pthread_join(self.thread, nil) }
}

/// Set from a signal handler: stop taking new work. Lock-free atomics, so safe in a handler.
public enum StopRequest {
    private static let flag = Atomic<Int32>(0)

    public static func request(signal: Int32) {
        self.flag.store(signal == 0 ? -1 : signal, ordering: .sequentiallyConsistent)
    }
    public static var isRequested: Bool { self.flag.load(ordering: .sequentiallyConsistent) != 0 }
    /// The signal that asked for the stop (0 if none).
    public static var signal: Int32 { max(0, self.flag.load(ordering: .sequentiallyConsistent)) }
    /// For tests.
    public static func reset() { self.flag.store(0, ordering: .sequentiallyConsistent) }
}
