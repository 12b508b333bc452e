import Foundation
import Hummingbird
import VitalsKiosk

/// The kiosk screen's routes: the one current walk-in session, and the patient's and pharmacist's actions on
/// it. Nothing here reads the store: what the screen shows is only the current session (`KioskDesk`), so the
/// next patient can see nothing of the last.
struct KioskHandlers: Sendable {
    let desk: KioskDesk?
    let now: @Sendable () -> Date

    struct NewSession: Decodable { var test: KioskSession.Test }
    struct Consent: Decodable { var given: Bool }
    struct Meal: Decodable { var meal: KioskSession.MealContext }
    struct Current: Encodable {
        var session: KioskView?
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(session, forKey: .session)  // null, not absent, between patients
        }
        enum CodingKeys: String, CodingKey { case session }
    }

    func openDesk() throws(APIError) -> KioskDesk {
        guard let desk else { throw APIError.notFound("this hub is not a kiosk (start it with vitals run --kiosk)") }
        return desk
    }

    static func apiError(_ e: KioskDesk.DeskError) -> APIError {
        switch e {
        case .sessionOpen: APIError.conflict(e.description)
        case .noSession: APIError.notFound(e.description, field: "sessionID")
        case .refused: APIError.conflict(e.description)
        }
    }

    func current(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try Query(request, allowed: [])
        return try JSON.response(Current(session: try openDesk().current(now: now())))
    }

    func start(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try Query(request, allowed: [])
        let desk = try openDesk()
        let body = try await JSON.body(NewSession.self, from: request)
        let view: KioskView
        do { view = try desk.start(test: body.test, now: now()) } catch { throw Self.apiError(error) }
        return try JSON.response(view, status: .created)
    }

    func consent(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try Query(request, allowed: [])
        let desk = try openDesk()
        let id = try pathParameter(context, "sessionID")
        let body = try await JSON.body(Consent.self, from: request)
        let t = now()
        let view: KioskView
        do { view = try desk.update(id: id, now: t) { (s: inout KioskSession) throws(KioskError) in try s.consent(body.given, now: t) } } catch { throw Self.apiError(error) }
        return try JSON.response(view)
    }

    func meal(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try Query(request, allowed: [])
        let desk = try openDesk()
        let id = try pathParameter(context, "sessionID")
        let body = try await JSON.body(Meal.self, from: request)
        let t = now()
        let view: KioskView
        do { view = try desk.update(id: id, now: t) { (s: inout KioskSession) throws(KioskError) in try s.mealContext(body.meal, now: t) } } catch { throw Self.apiError(error) }
        return try JSON.response(view)
    }

    func end(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try Query(request, allowed: [])
        let desk = try openDesk()
        let id = try pathParameter(context, "sessionID")
        do { try desk.end(id: id, now: now()) } catch { throw Self.apiError(error) }
        return try JSON.response(Current(session: nil))
    }
}
