import Hummingbird
import IoTFlowCore

/// The `/alerts` routes: rules and alerts of the calling user (admins read everyone's alerts).
struct AlertController {
    let services: APIServices

    struct RuleChangeResponse: ResponseEncodable, Sendable {
        let message: String
        let rule: AlertRuleRepresentation
    }

    struct RuleResponse: ResponseEncodable, Sendable {
        let rule: AlertRuleRepresentation
    }

    struct RuleListResponse: ResponseEncodable, Sendable {
        let rules: [AlertRuleRepresentation]
        let meta: ListMeta
    }

    struct AlertResponse: ResponseEncodable, Sendable {
        let alert: AlertRepresentation
    }

    struct AlertChangeResponse: ResponseEncodable, Sendable {
        let message: String
        let alert: AlertRepresentation
    }

    struct AlertListResponse: ResponseEncodable, Sendable {
        let alerts: [AlertRepresentation]
        let meta: ListMeta
    }

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        let alerts = self.services.alerts
        routes.post("rules") { request, context in
            let owner = try context.identity.user()
            let body = try await request.decode(as: CreateAlertRuleRequest.self, context: context)
            let rule = try await alerts.createRule(owner: owner, body.command)
            return Answer(.created, RuleChangeResponse(message: "Alert rule created", rule: AlertRuleRepresentation(rule)))
        }
        routes.get("rules") { request, context in
            let owner = try context.identity.user()
            let query = QueryReader(request)
            let filter = AlertRuleFilter(
                deviceID: try query.positiveID("device_id"), groupID: try query.positiveID("group_id"), enabled: try query.flag("enabled"),
                page: try query.page())
            let page = try await alerts.rules(owner: owner, filter: filter)
            return RuleListResponse(rules: page.items.map(AlertRuleRepresentation.init), meta: ListMeta(page))
        }
        routes.get("rules/{id}") { _, context in
            let principal = try context.identity.principal(accepting: .user)
            let rule = try await alerts.rule(try context.parameters.id("id", kind: "Alert rule"), principal: principal)
            return RuleResponse(rule: AlertRuleRepresentation(rule))
        }
        routes.put("rules/{id}") { request, context in
            let principal = try context.identity.principal(accepting: .user)
            let id = try context.parameters.id("id", kind: "Alert rule")
            let body = try await request.decode(as: AlertRuleUpdateRequest.self, context: context)
            let rule = try await alerts.updateRule(id, principal: principal, body.update)
            return RuleChangeResponse(message: "Alert rule updated", rule: AlertRuleRepresentation(rule))
        }
        routes.delete("rules/{id}") { _, context in
            let principal = try context.identity.principal(accepting: .user)
            try await alerts.deleteRule(try context.parameters.id("id", kind: "Alert rule"), principal: principal)
            return MessageResponse("Alert rule deleted; its open alerts are resolved.")
        }
        routes.get { request, context in
            let principal = try context.identity.person()
            let query = QueryReader(request)
            let filter = AlertFilter(
                userPublicID: query.string("user_id"), status: query.string("status"), deviceID: try query.positiveID("device_id"),
                ruleID: try query.positiveID("rule_id"), severity: query.string("severity"), start: try query.time("start_time"),
                end: try query.time("end_time"), page: try query.page()
            )
            let page = try await alerts.alerts(principal: principal, filter: filter)
            return AlertListResponse(alerts: page.items.map(AlertRepresentation.init), meta: ListMeta(page))
        }
        routes.get("summary") { request, context in
            let principal = try context.identity.person()
            let query = QueryReader(request)
            let summary = try await alerts.summary(
                principal: principal, userPublicID: query.string("user_id"), start: try query.time("start_time"), end: try query.time("end_time"))
            return AlertSummaryResponse(summary)
        }
        routes.get("{id}") { _, context in
            let alert = try await alerts.alert(try context.parameters.id("id", kind: "Alert"), principal: try context.identity.person())
            return AlertResponse(alert: AlertRepresentation(alert))
        }
        routes.post("{id}/acknowledge") { request, context in
            let principal = try context.identity.principal(accepting: .user)
            let id = try context.parameters.id("id", kind: "Alert")
            let body = try await request.decode(as: AlertNoteRequest.self, context: context)
            let alert = try await alerts.acknowledge(id, principal: principal, note: body.note)
            return AlertChangeResponse(message: "Alert acknowledged", alert: AlertRepresentation(alert))
        }
        routes.post("{id}/resolve") { request, context in
            let principal = try context.identity.principal(accepting: .user)
            let id = try context.parameters.id("id", kind: "Alert")
            let body = try await request.decode(as: AlertNoteRequest.self, context: context)
            let alert = try await alerts.resolve(id, principal: principal, note: body.note)
            return AlertChangeResponse(message: "Alert resolved", alert: AlertRepresentation(alert))
        }
        return routes
    }
}
