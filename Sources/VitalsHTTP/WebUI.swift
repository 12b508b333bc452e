import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The web UI's files (the repository's `web/` folder), served from disk: the hub dashboard at `/`, the kiosk
/// screen at `/kiosk`, and their scripts and stylesheet under `/web/`. Only the files named here are served,
/// so no path from a request ever reaches the file system. They hold no patient data and need no token (the
/// pages ask for one and send it with their API calls); everything they show comes from the API.
public struct WebUI: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root }

    /// The files under `/web/`, with their media types.
    static let assets: [String: String] = [
        "app.css": "text/css; charset=utf-8",
        "common.js": "text/javascript; charset=utf-8",
        "charts.js": "text/javascript; charset=utf-8",
        "dashboard.js": "text/javascript; charset=utf-8",
        "kiosk.js": "text/javascript; charset=utf-8",
    ]
    /// Paths the token middleware lets through: the pages and their assets.
    static let openPaths: Set<String> = Set(["/", "/kiosk"] + assets.keys.map { "/web/\($0)" })

    /// Whether `directory` holds the UI (its dashboard page).
    public static func isUI(_ directory: URL) -> Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent("dashboard.html").path)
    }

    func file(_ name: String, type: String) throws -> Response {
        guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(name).path) else {
            throw APIError.notFound("the web UI file \(name) is missing")
        }
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "no-cache"
        headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

struct WebHandlers: Sendable {
    let ui: WebUI?

    func open() throws(APIError) -> WebUI {
        guard let ui else { throw APIError.notFound("the web UI is not installed (its files were not found; vitals serve --web DIR)") }
        return ui
    }

    func dashboard(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try Query(request, allowed: [])
        return try open().file("dashboard.html", type: "text/html; charset=utf-8")
    }

    func kiosk(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try Query(request, allowed: [])
        return try open().file("kiosk.html", type: "text/html; charset=utf-8")
    }

    func asset(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try Query(request, allowed: [])
        let name = try pathParameter(context, "file")
        guard let type = WebUI.assets[name] else { throw APIError.notFound("no such file", field: "file") }
        return try open().file(name, type: type)
    }
}
