import IoTFlowCore
import IoTFlowStorage

/// What the controllers share: the domain services and the store health checker.
struct APIServices: Sendable {
    let deps: Dependencies
    let accounts: AccountService
    let devices: DeviceService
    let telemetry: TelemetryService
    let groups: GroupService
    let admin: AdminService
    let alerts: AlertService
    let health: StoreHealthChecker
    /// The alert evaluation queue, for `/metrics` (nil in tools that do not evaluate).
    let alertEvaluation: AlertEvaluationService?

    init(deps: Dependencies, health: StoreHealthChecker, alertEvaluation: AlertEvaluationService? = nil) {
        self.alertEvaluation = alertEvaluation
        self.deps = deps
        self.accounts = AccountService(deps)
        self.devices = DeviceService(deps)
        self.telemetry = TelemetryService(deps)
        self.groups = GroupService(deps)
        self.admin = AdminService(deps)
        self.alerts = AlertService(deps)
        self.health = health
    }

    /// A device as answers show it, with its online flag at this moment.
    func representation(_ device: Device) -> DeviceRepresentation {
        DeviceRepresentation(device, isOnline: self.devices.isOnline(device))
    }
}
