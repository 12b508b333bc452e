#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An error from a socket call, naming the call and the errno text.
public struct SocketError: Error, Hashable, Sendable, CustomStringConvertible {
    public var call: String
    public var errno: Int32
    public var path: String?

    public init(call: String, errno: Int32, path: String? = nil) {
        self.call = call
        self.errno = errno
        self.path = path
    }

    public var description: String {
        let text = String(cString: strerror(errno))
        return "\(call)\(path.map { " \($0)" } ?? ""): \(text) (errno \(errno))"
    }
}

/// A connected Unix-domain SOCK_SEQPACKET socket: reliable, ordered, and it keeps record boundaries,
/// so one `send` is one frame on the other side.
///
/// `send` may be called from any thread; `receive` blocks and belongs to one reader thread.
public final class SeqPacketSocket: Sendable {
    public let fd: Int32
    /// Largest frame accepted; a larger record is reported as `.oversized`, never passed on cut short.
    public static let maxFrame = 65_536

    public enum Received: Sendable, Equatable {
        case frame([UInt8])
        /// A record longer than `maxFrame` (its real length); its bytes are discarded.
        case oversized(Int)
        /// The peer closed the connection.
        case end
    }

    init(fd: Int32) { self.fd = fd }

    /// Takes ownership of a connected record-oriented socket (e.g. an L2CAP SOCK_SEQPACKET): closed on deinit.
    public init(adopting fd: Int32) { self.fd = fd }

    deinit { _ = Glibc.close(fd) }

    /// Connects to a listening simulator at `path`.
    public static func connect(path: String) throws(SocketError) -> SeqPacketSocket {
        let fd = socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError(call: "socket", errno: errno, path: path) }
        var addr = try makeAddress(path)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let e = errno
            _ = Glibc.close(fd)
            throw SocketError(call: "connect", errno: e, path: path)
        }
        return SeqPacketSocket(fd: fd)
    }

    static func makeAddress(_ path: String) throws(SocketError) -> sockaddr_un {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard bytes.count < capacity else { throw SocketError(call: "sockaddr_un", errno: ENAMETOOLONG, path: path) }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        return addr
    }

    /// Sends one frame.
    public func send(_ frame: [UInt8]) throws(SocketError) {
        let n = frame.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard n == frame.count else { throw SocketError(call: "send", errno: n < 0 ? errno : EMSGSIZE, path: nil) }
    }

    /// Blocks for the next record.
    public func receiveRecord() throws(SocketError) -> Received {
        var buffer = [UInt8](repeating: 0, count: Self.maxFrame)
        while true {
            // MSG_TRUNC makes recv return the record's real length even when it did not fit.
            let n = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, Int32(MSG_TRUNC)) }
            if n > Self.maxFrame { return .oversized(n) }
            if n > 0 { return .frame(Array(buffer[0..<n])) }
            if n == 0 { return .end }
            if errno == EINTR { continue }
            throw SocketError(call: "recv", errno: errno, path: nil)
        }
    }

    /// Waits up to `timeoutMilliseconds` for something to read (a frame, or the peer's close); false on timeout.
    public func waitReadable(timeoutMilliseconds: Int32) throws(SocketError) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let n = Glibc.poll(&p, 1, timeoutMilliseconds)
            if n >= 0 { return n > 0 }
            if errno == EINTR { continue }
            throw SocketError(call: "poll", errno: errno, path: nil)
        }
    }

    /// Blocks for the next frame; nil when the peer has closed. Oversized records are skipped.
    public func receive() throws(SocketError) -> [UInt8]? {
        while true {
            switch try receiveRecord() {
            case .frame(let b): return b
            case .end: return nil
            case .oversized: continue
            }
        }
    }

    /// Stops both directions; a blocked `receive` on another thread returns nil.
    public func shutdown() { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
}

/// A listening SOCK_SEQPACKET socket at a filesystem path (created 0600: only this user may connect).
public final class SeqPacketListener: Sendable {
    public let fd: Int32
    public let path: String

    public init(path: String) throws(SocketError) {
        let fd = socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError(call: "socket", errno: errno, path: path) }
        // Replace a stale socket from an earlier run, but never delete anything else at that path.
        var st = stat()
        if lstat(path, &st) == 0 {
            guard st.st_mode & S_IFMT == S_IFSOCK else {
                _ = Glibc.close(fd)
                throw SocketError(call: "bind (path exists and is not a socket)", errno: EEXIST, path: path)
            }
            unlink(path)
        }
        var addr = try SeqPacketSocket.makeAddress(path)
        let old = umask(0o077)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        umask(old)
        guard rc == 0 else {
            let e = errno
            _ = Glibc.close(fd)
            throw SocketError(call: "bind", errno: e, path: path)
        }
        guard listen(fd, 4) == 0 else {
            let e = errno
            _ = Glibc.close(fd)
            throw SocketError(call: "listen", errno: e, path: path)
        }
        self.fd = fd
        self.path = path
    }

    deinit {
        _ = Glibc.close(fd)
        unlink(path)
    }

    /// Blocks until a peer connects.
    public func accept() throws(SocketError) -> SeqPacketSocket {
        while true {
            let c = Glibc.accept(fd, nil, nil)
            if c >= 0 { return SeqPacketSocket(fd: c) }
            if errno == EINTR { continue }
            throw SocketError(call: "accept", errno: errno, path: path)
        }
    }

    /// Wakes a blocked `accept`.
    public func shutdown() { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
}
