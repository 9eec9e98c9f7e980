/// Told by the live hub of every change that streams may depend on, made on this instance or relayed from another
/// (the MQTT listener disconnects revoked devices and sends new configs this way).
protocol LiveSubjectObserver: Sendable {
    /// These subjects changed.
    func changed(_ subjects: [LiveSubject]) async
    /// Changes may have been missed (the relay lost Redis for a while): look at everything again.
    func anythingMayHaveChanged() async
}
