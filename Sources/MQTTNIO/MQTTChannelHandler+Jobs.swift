import NIOCore

/// Delegate jobs: each runs in its own task and hops back to the event loop with its result; the next job starts
/// only when the previous one has finished, so a connection's delegate calls never overlap.
extension MQTTChannelHandler {
    func start(_ job: MQTTSessionJob) {
        guard let session = self.session else {
            return
        }
        let delegate = self.delegate
        let handler = self.loopBound
        let eventLoop = handler.eventLoop
        switch job {
        case .connected:
            Task {
                await delegate.connected(session)
                eventLoop.execute { handler.value.jobFinished() }
            }
        case .publish(let batch):
            self.runningBatch = batch
            if batch.messages.isEmpty {
                // Only repeated QoS 2 publishes: nothing for the delegate.
                self.publishBatchCompleted([])
                return
            }
            let messages = batch.messages
            Task {
                let outcomes = await delegate.publish(messages, session: session)
                eventLoop.execute { handler.value.publishBatchCompleted(outcomes) }
            }
        case .subscribe(let job):
            let requests = job.delegatedRequests
            Task {
                let outcomes = requests.isEmpty ? [] : await delegate.subscribe(requests, session: session)
                let granted = try? await eventLoop.submit { handler.value.subscribeDecided(job, outcomes: outcomes) }.get()
                if let granted, !granted.isEmpty {
                    await delegate.subscribed(granted, session: session)
                }
                eventLoop.execute { handler.value.jobFinished() }
            }
        case .unsubscribe(let packetID, let filters):
            Task {
                await delegate.unsubscribed(filters, session: session)
                eventLoop.execute {
                    let handler = handler.value
                    handler.perform(.write(handler.stateMachine.unsuback(packetID: packetID, filterCount: filters.count)))
                    handler.jobFinished()
                }
            }
        case .pinged:
            Task {
                await delegate.pinged(session)
                eventLoop.execute { handler.value.jobFinished() }
            }
        }
    }

    func publishBatchCompleted(_ outcomes: [MQTTPublishOutcome]) {
        guard let batch = self.runningBatch else {
            return
        }
        self.runningBatch = nil
        let completion = self.stateMachine.publishBatchCompleted(batch, outcomes: outcomes)
        for acknowledgement in completion.acknowledgements {
            self.encoder.encode(acknowledgement, into: &self.pendingWrites)
        }
        if let close = completion.close {
            self.perform(close)
            self.notifyDeferredClose()
            return
        }
        self.jobFinished()
    }

    /// Writes the SUBACK; returns the filters granted, for ``MQTTServerDelegate/subscribed(_:session:)``.
    func subscribeDecided(_ job: MQTTSubscribeJob, outcomes: [MQTTSubscribeOutcome]) -> [MQTTSubscriptionRequest] {
        let phase = self.stateMachine.phase
        guard phase == .connected || phase == .draining || phase == .disconnecting else {
            return []
        }
        let (suback, granted) = self.stateMachine.suback(for: job, delegateOutcomes: outcomes)
        self.perform(.write(suback))
        self.flush()
        return granted
    }

    /// Flushes what the job wrote, starts the next job, and reads again if the job freed room.
    func jobFinished() {
        let (next, close) = self.stateMachine.jobFinished()
        if let close {
            self.perform(close)
            self.notifyDeferredClose()
            return
        }
        self.flush()
        if let next {
            self.start(next)
        }
        self.notifyDeferredClose()
        self.resumeReadingIfPossible()
    }
}
