import IoTFlowCore

/// The OpenAPI 3.1 document: the contract in code. `openapi.json` holds every route of API.md; operations a
/// later release will add carry `x-iotflow-planned` and are left out of what the server serves, so clients,
/// fuzzers and the docs page see exactly the routes that answer.
enum OpenAPIDocument {
    /// A documented operation: method, path template and the statuses it may answer.
    struct Operation: Hashable, Sendable {
        let method: String
        let path: String
        let statuses: Set<String>
    }

    /// The document as served at `/openapi.json`.
    struct Served: Sendable {
        /// Compact JSON of the document without planned operations.
        let bytes: [UInt8]
        /// Served operations by "METHOD path".
        let operations: [String: Operation]
        /// Operations in the checked-in document that are not served yet.
        let planned: [Operation]

        /// The operation for a method and a router path template, if documented.
        func operation(method: String, path: String) -> Operation? {
            self.operations["\(method.uppercased()) \(path)"]
        }
    }

    static let methods = ["get", "put", "post", "delete", "patch", "head", "options"]

    /// Parsed once; the embedded text is checked by the tests, so a parse failure here is a build defect.
    static let served: Served = {
        guard case .object(var document)? = try? JSONParser.parse(Self.text), case .object(let paths)? = document["paths"] else {
            preconditionFailure("the embedded OpenAPI document does not parse; run scripts/embed-resources.py")
        }
        var kept = JSONObject()
        var operations: [String: Operation] = [:]
        var planned: [Operation] = []
        for (path, item) in paths.members {
            guard case .object(let item) = item else { continue }
            var keptItem = JSONObject()
            for (key, value) in item.members {
                guard Self.methods.contains(key), case .object(let operation) = value else {
                    keptItem[key] = value
                    continue
                }
                let statuses = Set(operation["responses"]?.objectValue?.members.map(\.key) ?? [])
                let entry = Operation(method: key.uppercased(), path: path, statuses: statuses)
                if operation["x-iotflow-planned"] != nil {
                    planned.append(entry)
                } else {
                    keptItem[key] = value
                    operations["\(entry.method) \(path)"] = entry
                }
            }
            if keptItem.members.contains(where: { Self.methods.contains($0.key) }) { kept[path] = .object(keptItem) }
        }
        document["paths"] = .object(kept)
        return Served(bytes: JSONWriter.bytes(.object(document)), operations: operations, planned: planned)
    }()
}

/// The HTML page at `/docs` that renders `/openapi.json` in the browser.
enum DocsPage {}
