import Hummingbird
import IoTFlowCore

/// The `/telemetry` routes.
struct TelemetryController {
    let services: APIServices

    /// The 201 of `POST /telemetry`, written by the own writer (the hot path; see ``JSONWritableResponse``).
    struct IngestResponse: JSONWritableResponse {
        let deviceID: Int64
        let deviceName: String
        let receipt: TelemetryService.Receipt

        func writeJSON(into output: inout [UInt8]) {
            output.append(contentsOf: #"{"message":"Telemetry stored","device_id":"#.utf8)
            output.append(contentsOf: String(self.deviceID).utf8)
            output.append(contentsOf: #","device_name":"#.utf8)
            JSONWriter.write(.string(self.deviceName), into: &output)
            output.append(contentsOf: #","timestamp":"#.utf8)
            JSONText.time(self.receipt.timestamp, into: &output)
            output.append(contentsOf: #","points":"#.utf8)
            output.append(contentsOf: String(self.receipt.points).utf8)
            output.append(contentsOf: #","values":"#.utf8)
            output.append(contentsOf: String(self.receipt.values).utf8)
            output.append(UInt8(ascii: "}"))
        }
    }

    /// The answer of `GET /telemetry/{device_id}/latest`, written by the own writer (a hot read).
    struct LatestResponse: JSONWritableResponse {
        let deviceID: Int64
        let deviceName: String
        let values: [LatestValue]
        let cached: Bool

        func writeJSON(into output: inout [UInt8]) {
            output.append(contentsOf: #"{"device_id":"#.utf8)
            output.append(contentsOf: String(self.deviceID).utf8)
            output.append(contentsOf: #","device_name":"#.utf8)
            JSONWriter.write(.string(self.deviceName), into: &output)
            let (data, timestamps) = JSONText.latest(self.values)
            output.append(contentsOf: #","latest_data":"#.utf8)
            output.append(contentsOf: data)
            output.append(contentsOf: #","timestamps":"#.utf8)
            output.append(contentsOf: timestamps)
            output.append(contentsOf: self.cached ? #","cached":true}"#.utf8 : #","cached":false}"#.utf8)
        }
    }

    /// The answer of `GET /telemetry/{device_id}/aggregated`, written by the own writer: with up to 10,000 buckets,
    /// `JSONEncoder` took most of the request's time (BENCHMARKS.md, "Rollups").
    struct AggregationResponse: JSONWritableResponse {
        let deviceID: Int64
        let field: String
        let aggregation: String
        let window: String
        let buckets: [AggregationBucket]

        func writeJSON(into output: inout [UInt8]) {
            output.reserveCapacity(128 + self.buckets.count * 72)
            output.append(contentsOf: #"{"device_id":"#.utf8)
            output.append(contentsOf: String(self.deviceID).utf8)
            output.append(contentsOf: #","field":"#.utf8)
            JSONWriter.write(.string(self.field), into: &output)
            output.append(contentsOf: #","aggregation":"#.utf8)
            JSONWriter.write(.string(self.aggregation), into: &output)
            output.append(contentsOf: #","window":"#.utf8)
            JSONWriter.write(.string(self.window), into: &output)
            output.append(contentsOf: #","data":["#.utf8)
            for (index, bucket) in self.buckets.enumerated() {
                output.append(contentsOf: index == 0 ? #"{"timestamp":"#.utf8 : #",{"timestamp":"#.utf8)
                JSONText.time(bucket.start, into: &output)
                output.append(contentsOf: #","value":"#.utf8)
                JSONWriter.write(TelemetryValue.number(bucket.value).json, into: &output)
                output.append(contentsOf: #","count":"#.utf8)
                output.append(contentsOf: String(bucket.count).utf8)
                output.append(UInt8(ascii: "}"))
            }
            output.append(contentsOf: #"],"count":"#.utf8)
            output.append(contentsOf: String(self.buckets.count).utf8)
            output.append(UInt8(ascii: "}"))
        }
    }

    struct DeletionResponse: ResponseEncodable, Sendable {
        let message: String
        let deleted: Int
    }

    struct UserTelemetryResponse: ResponseEncodable, Sendable {
        struct Entry: ResponseEncodable, Sendable {
            let deviceID: Int64
            let deviceName: String
            let timestamp: Timestamp
            let measurements: KeyedValues<TelemetryValue>

            private enum CodingKeys: String, CodingKey { case deviceID = "device_id", deviceName = "device_name", timestamp, measurements }
        }

        let userID: String
        let telemetry: [Entry]
        let count: Int
        let totalCount: Int

        private enum CodingKeys: String, CodingKey { case userID = "user_id", telemetry, count, totalCount = "total_count" }
    }

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        let telemetry = self.services.telemetry
        routes.post { request, context in
            let caller = try context.identity.device()
            // The body is free-form telemetry read with the project's own parser (faster here; BENCHMARKS.md).
            let submission = try TelemetryPayload.submission(try await request.decodeJSONValue())
            let receipt = try await telemetry.ingest(caller, submission)
            return Answer(.created, IngestResponse(deviceID: caller.device.id, deviceName: caller.device.name, receipt: receipt))
        }
        routes.get("status") { _, _ in
            HealthController.StoresResponse(await self.services.health.check())
        }
        routes.get("user/{user_id}") { request, context in
            let principal = try context.identity.person()
            let query = QueryReader(request)
            let result = try await telemetry.userTelemetry(
                publicID: context.parameters.text("user_id"), principal: principal,
                UserTelemetryRequest(since: try query.time("start_time"), page: try query.page())
            )
            let entries = result.summaries.map { summary in
                UserTelemetryResponse.Entry(
                    deviceID: summary.device.id, deviceName: summary.device.name, timestamp: Timestamp(summary.timestamp),
                    measurements: LatestValues(summary.values).data
                )
            }
            return UserTelemetryResponse(userID: result.user.publicID, telemetry: entries, count: entries.count, totalCount: result.total)
        }
        routes.get("{device_id}") { request, context in
            let principal = try context.identity.principal(accepting: [.device, .user, .adminToken])
            let id = try context.parameters.id("device_id", kind: "Device")
            let page = try await telemetry.history(deviceID: id, principal: principal, try Self.historyRequest(QueryReader(request)))
            return HistoryResponse(page)
        }
        routes.get("{device_id}/latest") { _, context in
            let principal = try context.identity.principal(accepting: [.device, .user, .adminToken])
            let id = try context.parameters.id("device_id", kind: "Device")
            let latest = try await telemetry.latest(deviceID: id, principal: principal)
            return LatestResponse(deviceID: id, deviceName: latest.device.name, values: latest.values, cached: latest.cached)
        }
        routes.get("{device_id}/aggregated") { request, context in
            let principal = try context.identity.principal(accepting: [.device, .user, .adminToken])
            let id = try context.parameters.id("device_id", kind: "Device")
            let query = QueryReader(request)
            guard let field = query.string("field") else { throw IoTFlowError.badRequest("'field' is required.") }
            let aggregation = AggregationRequest(
                field: field, aggregation: query.string("aggregation") ?? "mean", window: query.string("window") ?? "1h",
                start: try query.time("start_time"), end: try query.time("end_time")
            )
            let result = try await telemetry.aggregate(deviceID: id, principal: principal, aggregation)
            return AggregationResponse(
                deviceID: id, field: result.query.field, aggregation: result.aggregation, window: result.window, buckets: result.buckets)
        }
        routes.get("{device_id}/export") { request, context in
            let principal = try context.identity.principal(accepting: [.device, .user, .adminToken])
            let id = try context.parameters.id("device_id", kind: "Device")
            let query = QueryReader(request)
            guard let format = ExportFormat(rawValue: query.string("format") ?? "csv") else {
                throw IoTFlowError.badRequest("'format' must be csv or ndjson.")
            }
            let export = try await telemetry.export(
                deviceID: id, principal: principal,
                ExportRequest(start: try query.time("start_time"), end: try query.time("end_time"), keys: query.list("keys") ?? []))
            return Self.streamed(export, format: format)
        }
        routes.delete("{device_id}") { request, context in
            let principal = try context.identity.person()
            let id = try context.parameters.id("device_id", kind: "Device")
            let deleted = try await telemetry.delete(deviceID: id, principal: principal, try await Self.deletion(request, context: context))
            return DeletionResponse(message: "Deleted \(deleted) values.", deleted: deleted)
        }
        return routes
    }

    /// The export's response: headers now, then each page written as it is read. A client that goes away fails the
    /// next write, which ends the loop and with it the reads.
    static func streamed(_ export: TelemetryExport, format: ExportFormat) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = format.contentType
        headers[.contentDisposition] = "attachment; filename=\"device-\(export.device.id).\(format.rawValue)\""
        headers[.cacheControl] = "no-store"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: format.header))
                var bytes: [UInt8] = []
                for try await page in export {
                    bytes.removeAll(keepingCapacity: true)
                    let values = format.write(page, into: &bytes)
                    try await writer.write(ByteBuffer(bytes: bytes))
                    AppMetrics.exportedValues.increment(by: values)
                }
                try await writer.finish(nil)
            })
    }

    static func historyRequest(_ query: QueryReader) throws(IoTFlowError) -> HistoryRequest {
        var history = HistoryRequest()
        history.start = try query.time("start_time")
        history.end = try query.time("end_time")
        history.keys = query.list("keys") ?? []
        history.limit = try query.integer("limit", minimum: 1)
        switch query.string("order") {
        case nil, "desc": history.descending = true
        case "asc": history.descending = false
        default: throw .badRequest("'order' must be 'asc' or 'desc'.")
        }
        history.includeMetadata = try query.flag("include_metadata") ?? false
        history.cursor = query.string("cursor")
        return history
    }

    /// The range to delete: from the body when one is sent (then the body names both times), else from the query.
    static func deletion(_ request: Request, context: AppRequestContext) async throws -> TelemetryDeletion {
        let query = QueryReader(request)
        var deletion = TelemetryDeletion(start: try query.time("start_time"), stop: try query.time("stop_time"), keys: query.list("keys"))
        if deletion.keys?.isEmpty == true { deletion.keys = nil }
        let buffer = try await JSONRequestDecoder.body(of: request)
        guard buffer.readableBytes > 0 else { return deletion }
        let body = try JSONRequestDecoder.decode(TelemetryDeletionRequest.self, from: buffer)
        return TelemetryDeletion(start: body.start, stop: body.stop, keys: body.keys)
    }
}
