import Foundation
import Hummingbird
import HummingbirdTesting
import IoTFlowCore
import Testing

@testable import IoTFlowServer

/// The OpenAPI document is the contract: the router serves exactly its operations (planned ones excepted),
/// `/openapi.json` and `/docs` serve it, and the copy compiled into the binary is the checked-in file.
/// (That every answer's status is documented is checked on every request of every HTTP test, see
/// ``ContractCheckMiddleware``.)
@Suite("OpenAPI document")
struct OpenAPIContractTests {
    /// The routes of a router built as the server builds it ("METHOD" by path; HEAD mirrors GET and is left out).
    static func routedMethodsByPath() async throws -> [String: Set<String>] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iotflow-openapi-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = AppConfiguration()
        configuration.dataDirectory = directory
        configuration.logLevel = .warning
        let parts = try await buildApplicationParts(configuration: configuration, clock: SystemWallClock())
        var methodsByPath: [String: Set<String>] = [:]
        for route in parts.router.routes where route.method != .head {
            methodsByPath["\(route.path)", default: []].insert(route.method.rawValue)
        }
        // Run the application once so its services start and close the stores again.
        try await makeApplication(parts, configuration: configuration).test(.router) { _ in }
        return methodsByPath
    }

    @Test("the router serves exactly the document's operations, and none of the planned ones")
    func routerMatchesDocument() async throws {
        let methodsByPath = try await Self.routedMethodsByPath()
        let allowedMethods = Set(MethodNotAllowedRoutes.methods.map(\.rawValue))
        let document = OpenAPIDocument.served
        let documentedPaths = Set(document.operations.values.map(\.path))
        #expect(
            Set(methodsByPath.keys) == documentedPaths,
            "only routed: \(Set(methodsByPath.keys).subtracting(documentedPaths).sorted()), only documented: \(documentedPaths.subtracting(methodsByPath.keys).sorted())"
        )
        var served = Set<String>()
        for (path, methods) in methodsByPath {
            // Every method on a path is a documented operation or the router's 405 for that path, and the
            // 405 responders cover exactly the methods the document does not list.
            let documented = Set(document.operations.values.filter { $0.path == path }.map(\.method))
            #expect(methods.isSubset(of: documented.union(allowedMethods)), "\(path): \(methods.subtracting(documented).sorted())")
            #expect(documented.isSubset(of: methods), "\(path) does not serve \(documented.subtracting(methods).sorted())")
            for method in documented where methods.contains(method) { served.insert("\(method) \(path)") }
        }
        #expect(served == Set(document.operations.keys))
        // Planned operations live on paths the router does not have yet.
        for planned in document.planned {
            #expect(methodsByPath[planned.path] == nil, "planned \(planned.method) \(planned.path) is routed")
        }
    }

    @Test(
        "every operation documents a success (101 for a WebSocket), 401 where it takes credentials, and 413 (every route); errors use the Error schema"
    )
    func statusesAreDocumented() throws {
        for operation in OpenAPIDocument.served.operations.values {
            #expect(operation.statuses.contains { $0.hasPrefix("2") || $0 == "101" }, "\(operation.method) \(operation.path) has no success")
            #expect(operation.statuses.contains("413"), "\(operation.method) \(operation.path) lacks 413")
            #expect(operation.statuses.contains("401"), "\(operation.method) \(operation.path) lacks 401 (an invalid bearer token is 401 everywhere)")
        }
    }

    @Test("GET /openapi.json serves the document without planned operations; GET /docs serves a self-contained page")
    func served() async throws {
        try await withApp { api in
            let response = try await api.get("/openapi.json")
            let json = try requireJSON(response)
            #expect(json["openapi"].string == "3.1.0")
            let paths = Set(json["paths"].keys)
            #expect(paths.contains("/api/v1/telemetry") && paths.contains("/docs") && paths.contains("/openapi.json"))
            #expect(paths.contains("/api/v1/alerts"))
            #expect(paths.contains("/api/v1/telemetry/{device_id}/export"))
            for path in paths {
                for (method, operation) in json["paths"][path].object ?? [:] {
                    #expect(operation["x-iotflow-planned"] == nil, "\(method) \(path) is planned but served")
                }
            }

            let docs = try await api.get("/docs")
            #expect(docs.status == .ok)
            #expect(docs.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(docs.text.contains("/openapi.json"))
            for external in ["<script src=\"http", "<link href=\"http", "@import url(http", "fonts.googleapis", "cdn."] {
                #expect(!docs.text.contains(external), "the page loads \(external)")
            }
        }
    }

    @Test("the document compiled into the binary is the checked-in openapi.json and docs.html (run scripts/embed-resources.py)")
    func embeddedCopiesAreCurrent() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/IoTFlowServer/OpenAPI")
        #expect(try String(contentsOf: folder.appendingPathComponent("openapi.json"), encoding: .utf8) == OpenAPIDocument.text)
        #expect(try String(contentsOf: folder.appendingPathComponent("docs.html"), encoding: .utf8) == DocsPage.html)
    }
}
