import EngineIOProtocol
import NIOCore
import TestSupport
import Testing

@testable import EngineIO

/// The Engine.IO session's state machine without a channel or a real clock (STYLE §5.2): every
/// transition, and the races the issue names (close during an upgrade, a poll while one waits,
/// a write failure in each state, a ping timeout during an upgrade, a shutdown drain).
///
/// Actions are compared as short strings, so a failure shows what the machine asked for.
@Suite("Engine.IO session state machine")
struct SessionStateMachineTests {
    final class Responder: CustomStringConvertible {
        let description: String
        init(_ name: String) { self.description = name }
    }

    final class Link: Equatable, CustomStringConvertible {
        let description: String
        init(_ name: String) { self.description = name }
        static func == (lhs: Link, rhs: Link) -> Bool { lhs === rhs }
    }

    typealias Machine = EngineIOSocket.StateMachine<ManualClock, Responder, Link>

    static let timing = Machine.Timing(
        pingInterval: .seconds(25),
        pingTimeout: .seconds(20),
        upgradeTimeout: .seconds(10),
        maxPacketsPerPoll: 3,
        allowUpgrades: true
    )

    let clock = ManualClock()

    func at(_ seconds: Int) -> ManualClock.Instant { ManualClock.Instant(offset: .seconds(seconds)) }

    func at(ms milliseconds: Int) -> ManualClock.Instant { ManualClock.Instant(offset: .milliseconds(milliseconds)) }

    /// A polling session that has started (its heartbeat runs).
    func polling() -> Machine {
        var machine = Machine(timing: Self.timing, link: nil)
        _ = machine.start(now: self.clock.now)
        return machine
    }

    /// A polling session whose probe `link` has answered `2probe`.
    func upgrading(_ link: Link, acknowledged: Bool = true) -> Machine {
        var machine = self.polling()
        _ = machine.attachProbe(link, now: self.clock.now)
        if acknowledged { _ = machine.receiveOnProbe(Self.packet("2probe"), now: self.clock.now) }
        return machine
    }

    static func packet(_ text: String) -> EngineIOPacket {
        try! EngineIOPacket(frame: .text(ByteBuffer(string: text)))
    }

    static func frame(_ text: String) -> EngineIOFrame { .text(ByteBuffer(string: text)) }

    static func text(_ frames: [EngineIOFrame]) -> String {
        frames.map { frame in
            switch frame {
            case .text(let bytes): return String(buffer: bytes)
            case .binary(let bytes): return "b\(bytes.readableBytes)"
            }
        }.joined(separator: ",")
    }

    /// The actions as strings; log lines are left out.
    static func describe(_ actions: [Machine.Action]) -> [String] {
        actions.compactMap { action -> String? in
            switch action {
            case .schedule(let timer, let instant): return "schedule \(timer) \(instant)"
            case .cancel(let timer): return "cancel \(timer)"
            case .count(let frame): return "count \(Self.text([frame]))"
            case .release(let frames): return frames.isEmpty ? nil : "release \(Self.text(frames))"
            case .answerPoll(let poll, let frames, _): return "answer \(poll) [\(Self.text(frames))]"
            case .answerPollWith(let poll, let frame): return "answer \(poll) [\(Self.text([frame]))] (own)"
            case .answerShuttingDown(let poll): return "503 \(poll)"
            case .answerError(let poll, let code): return "error \(poll) \(code)"
            case .answerOK(let poll): return "ok \(poll)"
            case .scheduleFlushTick: return "flush tick"
            case .writeLink(let link): return "write \(link)"
            case .answerProbe(let link): return "3probe \(link)"
            case .abort(let link): return "abort \(link)"
            case .closeLink(let link, let reason): return "close \(link) \(reason)"
            case .setReadingPaused(let paused): return paused ? "pause reading" : "resume reading"
            case .resumePost(let packets, let responder): return "resume post \(responder) \(packets.count)"
            case .notifyClosed(let reason): return "closed \(reason)"
            case .remove: return "remove"
            case .log: return nil
            }
        }
    }

    static let closeTimers = ["cancel heartbeat", "cancel upgrade", "cancel slowConsumer"]

    // MARK: - Handshake and heartbeat

    @Test func theHeartbeatPingsThenTimesOutFromThePlannedTime() {
        var machine = Machine(timing: Self.timing, link: nil)
        #expect(machine.heartbeat.phase == .notStarted)
        #expect(Self.describe([machine.start(now: self.clock.now)]) == ["schedule heartbeat t+25.0 seconds"])
        // The timer fires late (a busy loop): the pong is still due 20 s after the *planned* ping.
        self.clock.advance(by: .seconds(26))
        #expect(Self.describe(machine.timerFired(.heartbeat, now: self.clock.now)) == ["count 2", "schedule heartbeat t+45.0 seconds"])
        #expect(machine.buffer.count == 1)
        self.clock.advance(by: .seconds(19))
        #expect(
            Self.describe(machine.timerFired(.heartbeat, now: self.clock.now))
                == Self.closeTimers + ["release 2", "remove", "closed pingTimeout"]
        )
        #expect(machine.isClosed)
        #expect(machine.heartbeat.phase == .stopped)
    }

    @Test func aPongPlansTheNextPingFromNow() {
        var machine = self.polling()
        _ = machine.timerFired(.heartbeat, now: self.at(25))
        guard case .actions(let actions) = machine.receive(Self.packet("3"), now: self.at(30)) else {
            Issue.record("a pong is not a message")
            return
        }
        #expect(Self.describe(actions) == ["schedule heartbeat t+55.0 seconds"])
        // A pong nobody waited for changes nothing.
        guard case .actions(let none) = machine.receive(Self.packet("3"), now: self.at(31)) else { return }
        #expect(none.isEmpty)
    }

    @Test func aStaleHeartbeatTimerAfterCloseDoesNothing() {
        var machine = self.polling()
        _ = machine.close(reason: .transportError, now: self.clock.now)
        #expect(machine.timerFired(.heartbeat, now: self.at(100)).isEmpty)
    }

    // MARK: - Polling

    @Test func aWaitingPollGetsWhatIsSentAtTheEndOfTheTick() {
        var machine = self.polling()
        let poll = Responder("p1")
        #expect(machine.poll(poll, now: self.clock.now).isEmpty)
        guard case .scheduleFlushTick? = machine.enqueue([Self.frame("4a")]) else {
            Issue.record("no flush tick")
            return
        }
        // A second send in the same tick adds to the same answer.
        guard case .none? = machine.enqueue([Self.frame("4b")]) else {
            Issue.record("a second flush tick")
            return
        }
        #expect(Self.describe(machine.flushTick().map { [$0] } ?? []) == ["answer p1 [4a,4b]"])
        #expect(machine.flushTick() == nil)
    }

    @Test func aPollTakesAtMostMaxPacketsPerPoll() {
        var machine = self.polling()
        _ = machine.enqueue((1...5).map { Self.frame("4\($0)") })
        #expect(Self.describe(machine.poll(Responder("p1"), now: self.clock.now)) == ["answer p1 [41,42,43]"])
        #expect(Self.describe(machine.poll(Responder("p2"), now: self.clock.now)) == ["answer p2 [44,45]"])
    }

    @Test func aPollWhileAPollIsPendingEndsTheSession() {
        var machine = self.polling()
        _ = machine.poll(Responder("p1"), now: self.clock.now)
        #expect(
            Self.describe(machine.poll(Responder("p2"), now: self.clock.now))
                == ["error p2 badRequest"] + Self.closeTimers + ["answer p1 [1] (own)", "remove", "closed transportError"]
        )
        #expect(Self.describe(machine.poll(Responder("p3"), now: self.clock.now)) == ["error p3 unknownSessionID"])
    }

    @Test func aPollWhileAPollIsPendingDuringAnUpgradeEndsTheSessionAndItsProbe() {
        let probe = Link("ws")
        var machine = self.upgrading(probe, acknowledged: false)
        _ = machine.poll(Responder("p1"), now: self.clock.now)
        #expect(
            Self.describe(machine.poll(Responder("p2"), now: self.clock.now))
                == ["error p2 badRequest"] + Self.closeTimers + ["abort ws", "answer p1 [1] (own)", "remove", "closed transportError"]
        )
    }

    @Test func aPollConnectionClosedEndsTheSessionOnlyForThePendingPoll() {
        var machine = self.polling()
        let poll = Responder("p1")
        _ = machine.poll(poll, now: self.clock.now)
        #expect(machine.pollConnectionClosed(Responder("other"), now: self.clock.now).isEmpty)
        #expect(Self.describe(machine.pollConnectionClosed(poll, now: self.clock.now)) == Self.closeTimers + ["remove", "closed transportError"])
    }

    // MARK: - POST

    @Test func postsAreRefusedOnOverlapAfterAnUpgradeAndAfterClose() {
        var machine = self.polling()
        guard case .accept = machine.postArrived(Responder("post1"), now: self.clock.now) else {
            Issue.record("the first POST was refused")
            return
        }
        guard case .refuse(let overlap) = machine.postArrived(Responder("post2"), now: self.clock.now) else {
            Issue.record("an overlapping POST was accepted")
            return
        }
        #expect(Self.describe(overlap) == ["error post2 badRequest"] + Self.closeTimers + ["remove", "closed transportError"])
        guard case .refuse(let closed) = machine.postArrived(Responder("post3"), now: self.clock.now) else { return }
        #expect(Self.describe(closed) == ["error post3 unknownSessionID"])

        let link = Link("ws")
        var upgraded = self.upgrading(link)
        _ = upgraded.receiveOnProbe(Self.packet("5"), now: self.clock.now)
        guard case .refuse(let afterUpgrade) = upgraded.postArrived(Responder("post4"), now: self.clock.now) else { return }
        #expect(Self.describe(afterUpgrade) == ["error post4 badRequest"])
    }

    @Test func anInvalidPostEndsTheSessionWithAParseError() {
        var machine = self.polling()
        let post = Responder("post")
        _ = machine.postArrived(post, now: self.clock.now)
        #expect(
            Self.describe(machine.postInvalid(post, now: self.clock.now)) == ["error post badRequest"] + Self.closeTimers + [
                "remove", "closed parseError",
            ]
        )
    }

    @Test func aPostIsHeldWhileTheApplicationIsBehindAndResumedAfter() {
        var machine = self.polling()
        let post = Responder("post")
        _ = machine.postArrived(post, now: self.clock.now)
        #expect(Self.describe(machine.setApplicationBacklogged(true)) == ["pause reading"])
        #expect(!machine.mayHandlePostPacket)
        let rest = [Self.packet("4x"), Self.packet("4y")][...]
        #expect(machine.postSliceDone(rest: rest, responder: post)?.isEmpty == true)
        #expect(Self.describe(machine.setApplicationBacklogged(false)) == ["resume reading", "resume post post 2"])
        // The resumed POST is in progress again: another one overlaps it.
        guard case .refuse = machine.postArrived(Responder("post2"), now: self.clock.now) else {
            Issue.record("a POST during a resumed one was accepted")
            return
        }
    }

    @Test func aHeldPostIsAnsweredWhenTheSessionCloses() {
        var machine = self.polling()
        let post = Responder("post")
        _ = machine.postArrived(post, now: self.clock.now)
        _ = machine.setApplicationBacklogged(true)
        _ = machine.postSliceDone(rest: [Self.packet("4x")][...], responder: post)
        #expect(Self.describe(machine.close(reason: .forcedClose, now: self.clock.now)).contains("ok post"))
    }

    @Test func aPostInSlicesEndsWithOk() {
        var machine = self.polling()
        let post = Responder("post")
        _ = machine.postArrived(post, now: self.clock.now)
        #expect(machine.postSliceDone(rest: [Self.packet("4x")][...], responder: post) == nil)
        #expect(Self.describe(machine.postSliceDone(rest: [][...], responder: post) ?? []) == ["ok post"])
        guard case .accept = machine.postArrived(Responder("post2"), now: self.clock.now) else {
            Issue.record("the next POST was refused")
            return
        }
    }

    // MARK: - Upgrade

    @Test func theUpgradeFromPollingToWebSocket() {
        let link = Link("ws")
        var machine = self.polling()
        let poll = Responder("p1")
        _ = machine.poll(poll, now: self.clock.now)
        #expect(Self.describe(machine.attachProbe(link, now: self.at(1))) == ["schedule upgrade t+11.0 seconds"])
        #expect(machine.role(of: link) == .probe)
        // `2probe`: `3probe` at once, and the upgrade check in 100 ms (Node's checkIntervalTimer);
        // the waiting poll is not answered yet, so `3probe` reaches the client first.
        #expect(
            Self.describe(machine.receiveOnProbe(Self.packet("2probe"), now: self.at(ms: 1000)))
                == ["3probe ws", "schedule upgrade t+1.1 seconds"]
        )
        // The check releases the waiting poll with a noop, and comes again 100 ms later.
        #expect(
            Self.describe(machine.timerFired(.upgrade, now: self.at(ms: 1100)))
                == ["answer p1 [6] (own)", "schedule upgrade t+1.2 seconds"]
        )
        // A poll during the upgrade waits for the next check, as in Node.
        #expect(machine.poll(Responder("p2"), now: self.at(ms: 1150)).isEmpty)
        #expect(
            Self.describe(machine.timerFired(.upgrade, now: self.at(ms: 1200)))
                == ["answer p2 [6] (own)", "schedule upgrade t+1.3 seconds"]
        )
        // A check with no poll waiting only plans the next one.
        #expect(Self.describe(machine.timerFired(.upgrade, now: self.at(ms: 1300))) == ["schedule upgrade t+1.4 seconds"])
        // Frames still go out on polling during the upgrade.
        _ = machine.enqueue([Self.frame("4queued")])
        #expect(Self.describe(machine.poll(Responder("p3"), now: self.at(ms: 1350))) == ["answer p3 [4queued]"])
        _ = machine.enqueue([Self.frame("4later")])
        #expect(Self.describe(machine.receiveOnProbe(Self.packet("5"), now: self.at(ms: 1360))) == ["cancel upgrade", "resume reading", "write ws"])
        #expect(machine.link == link)
        #expect(machine.role(of: link) == .session)
        #expect(Self.describe(machine.poll(Responder("p5"), now: self.clock.now)) == ["error p5 badRequest"])
        guard case .writeLink(link)? = machine.enqueue([Self.frame("4more")]) else {
            Issue.record("frames after the upgrade do not go to the WebSocket")
            return
        }
        // The check timer is stale once upgraded.
        #expect(machine.timerFired(.upgrade, now: self.at(ms: 1400)).isEmpty)
    }

    @Test func noNoopBeforeTheProbeIsAcknowledged() {
        let link = Link("ws")
        var machine = self.polling()
        _ = machine.poll(Responder("p1"), now: self.clock.now)
        _ = machine.attachProbe(link, now: self.clock.now)
        // Node starts its check interval only on `2probe`: a WebSocket that has not probed
        // leaves the poll alone. A timer firing early only waits for the deadline again.
        #expect(Self.describe(machine.timerFired(.upgrade, now: self.at(ms: 100))) == ["schedule upgrade t+10.0 seconds"])
        #expect(machine.canWriteNow(linkIsWritable: false))
    }

    @Test func theUpgradeChecksStopAtTheUpgradeTimeout() {
        let link = Link("ws")
        var machine = self.polling()
        _ = machine.attachProbe(link, now: self.clock.now)
        // A probe 50 ms before the timeout: its one check comes at the deadline, not past it,
        // and drops the probe.
        #expect(
            Self.describe(machine.receiveOnProbe(Self.packet("2probe"), now: self.at(ms: 9950)))
                == ["3probe ws", "schedule upgrade t+10.0 seconds"]
        )
        #expect(Self.describe(machine.timerFired(.upgrade, now: self.at(10))) == ["cancel upgrade", "abort ws"])
        #expect(machine.isPolling)
        #expect(machine.role(of: link) == .stranger)
    }

    @Test func aSecondProbeRestartsTheChecks() {
        let link = Link("ws")
        var machine = self.polling()
        _ = machine.attachProbe(link, now: self.clock.now)
        _ = machine.receiveOnProbe(Self.packet("2probe"), now: self.at(ms: 100))
        #expect(
            Self.describe(machine.receiveOnProbe(Self.packet("2probe"), now: self.at(ms: 150)))
                == ["3probe ws", "schedule upgrade t+0.25 seconds"]
        )
    }

    @Test func anUpgradeCheckSendsBufferedFramesRatherThanANoop() {
        let link = Link("ws")
        var machine = self.upgrading(link)
        let poll = Responder("p1")
        #expect(machine.poll(poll, now: self.clock.now).isEmpty)
        // A handler sent while the poll waited: its flush tick is due, and the check, coming
        // first, carries the frames instead of a noop; the tick then finds nothing to do.
        guard case .scheduleFlushTick? = machine.enqueue([Self.frame("4news")]) else {
            Issue.record("no flush tick for frames sent while a poll waits")
            return
        }
        #expect(
            Self.describe(machine.timerFired(.upgrade, now: self.at(ms: 100)))
                == ["answer p1 [4news]", "schedule upgrade t+0.2 seconds"]
        )
        #expect(machine.flushTick() == nil)
    }

    @Test func aPollStillWaitingWhenTheUpgradeCompletesIsReleased() {
        let link = Link("ws")
        var machine = self.upgrading(link, acknowledged: false)
        _ = machine.poll(Responder("p1"), now: self.clock.now)
        #expect(
            Self.describe(machine.receiveOnProbe(Self.packet("5"), now: self.clock.now))
                == ["cancel upgrade", "resume reading", "answer p1 [6] (own)"]
        )
    }

    @Test func aProbeIsRefusedUnlessThePlainPollingStateAllowsIt() {
        let first = Link("ws1")
        var machine = self.upgrading(first, acknowledged: false)
        #expect(Self.describe(machine.attachProbe(Link("ws2"), now: self.clock.now)) == ["abort ws2"])
        _ = machine.receiveOnProbe(Self.packet("5"), now: self.clock.now)
        #expect(Self.describe(machine.attachProbe(Link("ws3"), now: self.clock.now)) == ["abort ws3"])
        var closed = self.polling()
        _ = closed.close(reason: .forcedClose, now: self.clock.now)
        #expect(Self.describe(closed.attachProbe(Link("ws4"), now: self.clock.now)) == ["abort ws4"])
        var noUpgrades = Machine(
            timing: .init(
                pingInterval: .seconds(1),
                pingTimeout: .seconds(1),
                upgradeTimeout: .seconds(1),
                maxPacketsPerPoll: 1,
                allowUpgrades: false
            ),
            link: nil
        )
        #expect(Self.describe(noUpgrades.attachProbe(Link("ws5"), now: self.clock.now)) == ["abort ws5"])
    }

    @Test func anUpgradeThatTimesOutOrGetsAStrangePacketGoesBackToPolling() {
        let link = Link("ws")
        var machine = self.upgrading(link, acknowledged: false)
        #expect(Self.describe(machine.timerFired(.upgrade, now: self.at(10))) == ["cancel upgrade", "abort ws"])
        #expect(machine.isPolling)
        #expect(machine.role(of: link) == .stranger)
        // A stale upgrade timer changes nothing.
        #expect(machine.timerFired(.upgrade, now: self.at(11)).isEmpty)

        var strange = self.upgrading(link)
        #expect(Self.describe(strange.receiveOnProbe(Self.packet("4hello"), now: self.clock.now)) == ["cancel upgrade", "abort ws"])
        var invalid = self.upgrading(link)
        #expect(Self.describe(invalid.receiveInvalid(from: link, now: self.clock.now)) == ["cancel upgrade", "abort ws"])
        #expect(!invalid.isClosed)
    }

    @Test func closeDuringAnUpgradeAbortsTheProbeAndAnswersThePoll() {
        let link = Link("ws")
        var machine = self.upgrading(link, acknowledged: false)
        _ = machine.poll(Responder("p1"), now: self.clock.now)
        _ = machine.enqueue([Self.frame("4bye")])
        #expect(
            Self.describe(machine.close(reason: .forcedClose, now: self.clock.now))
                == Self.closeTimers + ["abort ws", "count 1", "answer p1 [4bye,1]", "remove", "closed forcedClose"]
        )
    }

    @Test func aPingTimeoutDuringAnUpgradeClosesTheSessionAndTheProbe() {
        let link = Link("ws")
        var machine = self.upgrading(link)
        _ = machine.timerFired(.heartbeat, now: self.at(25))
        let actions = Self.describe(machine.timerFired(.heartbeat, now: self.at(45)))
        #expect(actions == Self.closeTimers + ["abort ws", "release 2", "remove", "closed pingTimeout"])
    }

    // MARK: - WebSocket

    @Test func aWebSocketSessionWritesToItsLinkAndClosesIt() {
        let link = Link("ws")
        var machine = Machine(timing: Self.timing, link: link)
        _ = machine.start(now: self.clock.now)
        guard case .writeLink(link)? = machine.enqueue([Self.frame("4a")]) else {
            Issue.record("no write")
            return
        }
        // A link that is not the session's gets nothing when it drains.
        guard case .none = machine.linkWritable(Link("other")) else {
            Issue.record("a stranger's writability flushed the session")
            return
        }
        guard case .writeLink(link) = machine.linkWritable(link) else {
            Issue.record("no write on writability")
            return
        }
        #expect(
            Self.describe(machine.close(reason: .forcedClose, now: self.clock.now))
                == Self.closeTimers + ["write ws", "close ws forcedClose", "release 4a", "remove", "closed forcedClose"]
        )
    }

    @Test func aClientCloseOnAWebSocketWritesNothingMore() {
        let link = Link("ws")
        var machine = Machine(timing: Self.timing, link: link)
        _ = machine.enqueue([Self.frame("4a")])
        guard case .actions(let actions) = machine.receive(Self.packet("1"), now: self.clock.now) else { return }
        #expect(Self.describe(actions) == Self.closeTimers + ["close ws transportClose", "release 4a", "remove", "closed transportClose"])
    }

    @Test func anInvalidFrameOnTheSessionLinkIsAParseError() {
        let link = Link("ws")
        var machine = Machine(timing: Self.timing, link: link)
        #expect(
            Self.describe(machine.receiveInvalid(from: link, now: self.clock.now))
                == Self.closeTimers + ["write ws", "close ws parseError", "remove", "closed parseError"]
        )
    }

    @Test func aClientPingIsAnInvalidHeartbeatDirection() {
        var machine = self.polling()
        guard case .actions(let actions) = machine.receive(Self.packet("2"), now: self.clock.now) else { return }
        #expect(Self.describe(actions) == Self.closeTimers + ["remove", "closed transportError"])
        // Nothing is delivered once closed.
        guard case .actions(let none) = machine.receive(Self.packet("4late"), now: self.clock.now) else {
            Issue.record("a message was delivered after close")
            return
        }
        #expect(none.isEmpty)
    }

    @Test func messagesAreDeliveredAndControlPacketsIgnored() {
        var machine = self.polling()
        guard case .deliver(.text(let text)) = machine.receive(Self.packet("4hi"), now: self.clock.now) else {
            Issue.record("a message was not delivered")
            return
        }
        #expect(String(buffer: text) == "hi")
        for ignored in ["6", "5", "0"] {
            guard case .actions(let none) = machine.receive(Self.packet(ignored), now: self.clock.now) else { continue }
            #expect(none.isEmpty)
        }
    }

    // MARK: - Write failures, one state at a time

    @Test func aLostPollAnswerEndsAPollingOrUpgradingSession() {
        var polling = self.polling()
        #expect(Self.describe(polling.pollAnswerLost(now: self.clock.now)) == Self.closeTimers + ["remove", "closed transportError"])

        let link = Link("ws")
        var upgrading = self.upgrading(link)
        #expect(Self.describe(upgrading.pollAnswerLost(now: self.clock.now)) == Self.closeTimers + ["abort ws", "remove", "closed transportError"])
    }

    @Test func aLostPollAnswerWhileClosingOrClosedChangesNothing() {
        var closing = self.polling()
        _ = closing.enqueue((1...5).map { Self.frame("4\($0)") })
        _ = closing.close(reason: .forcedClose, now: self.clock.now)
        guard case .closing = closing.state else {
            Issue.record("not closing")
            return
        }
        #expect(closing.pollAnswerLost(now: self.clock.now).isEmpty)
        // The final poll timer still ends it.
        #expect(Self.describe(closing.timerFired(.finalPoll, now: self.at(20))) == ["cancel finalPoll", "release 41,42,43,44,45,1", "remove"])
        #expect(closing.pollAnswerLost(now: self.clock.now).isEmpty)
    }

    @Test func aWebSocketThatFailsClosesTheSessionWithoutWritingToIt() {
        let link = Link("ws")
        var machine = Machine(timing: Self.timing, link: link)
        _ = machine.enqueue([Self.frame("4a")])
        #expect(
            Self.describe(machine.linkClosed(link, now: self.clock.now))
                == Self.closeTimers + ["release 4a", "remove", "closed transportClose"]
        )
    }

    @Test func aProbeThatFailsLeavesTheSessionOnPolling() {
        let link = Link("ws")
        var machine = self.upgrading(link)
        #expect(Self.describe(machine.linkClosed(link, now: self.clock.now)) == ["cancel upgrade", "abort ws"])
        #expect(!machine.isClosed)
        #expect(machine.linkClosed(Link("stranger"), now: self.clock.now).isEmpty)
    }

    // MARK: - Closing on polling

    @Test func aClientCloseOnPollingLeavesANoopForTheLastPoll() {
        var machine = self.polling()
        let poll = Responder("p1")
        _ = machine.poll(poll, now: self.clock.now)
        guard case .actions(let actions) = machine.receive(Self.packet("1"), now: self.clock.now) else { return }
        #expect(Self.describe(actions) == Self.closeTimers + ["count 6", "answer p1 [6]", "remove", "closed transportClose"])
    }

    @Test func aServerCloseWithoutAPollWaitsForTheFinalPoll() {
        var machine = self.polling()
        _ = machine.enqueue([Self.frame("4bye")])
        #expect(
            Self.describe(machine.close(reason: .forcedClose, now: self.clock.now))
                == Self.closeTimers + ["count 1", "schedule finalPoll t+20.0 seconds", "closed forcedClose"]
        )
        #expect(Self.describe(machine.poll(Responder("p1"), now: self.clock.now)) == ["answer p1 [4bye,1]", "cancel finalPoll", "remove"])
        #expect(machine.state.isClosedForGood)
        #expect(Self.describe(machine.poll(Responder("p2"), now: self.clock.now)) == ["error p2 unknownSessionID"])
    }

    // MARK: - Shutdown drain

    @Test func aShutdownDeliversWhatIsBufferedThenAnswers503() {
        var machine = self.polling()
        _ = machine.enqueue((1...4).map { Self.frame("4\($0)") })
        _ = machine.poll(Responder("p1"), now: self.clock.now)
        // The poll was answered at once; more frames arrive, then the shutdown.
        _ = machine.enqueue((5...8).map { Self.frame("4\($0)") })
        #expect(
            Self.describe(machine.shutDown(now: self.clock.now))
                == Self.closeTimers + ["schedule finalPoll t+20.0 seconds", "closed serverShutdown"]
        )
        #expect(Self.describe(machine.poll(Responder("p2"), now: self.clock.now)) == ["answer p2 [44,45,46]"])
        #expect(Self.describe(machine.poll(Responder("p3"), now: self.clock.now)) == ["answer p3 [47,48]"])
        #expect(Self.describe(machine.poll(Responder("p4"), now: self.clock.now)) == ["503 p4", "cancel finalPoll", "remove"])
    }

    @Test func aShutdownWithNothingBufferedAnswersTheWaitingPoll503() {
        var machine = self.polling()
        _ = machine.poll(Responder("p1"), now: self.clock.now)
        #expect(Self.describe(machine.shutDown(now: self.clock.now)) == Self.closeTimers + ["503 p1", "remove", "closed serverShutdown"])
    }

    @Test func aShutdownDropsASessionThatOnlyWaitsForItsLastPoll() {
        var machine = self.polling()
        _ = machine.close(reason: .forcedClose, now: self.clock.now)
        #expect(Self.describe(machine.shutDown(now: self.clock.now)) == ["cancel finalPoll", "release 1", "remove"])
        #expect(machine.shutDown(now: self.clock.now).isEmpty)
    }

    @Test func aShutdownClosesAWebSocketAsGoingAway() {
        let link = Link("ws")
        var machine = Machine(timing: Self.timing, link: link)
        #expect(
            Self.describe(machine.shutDown(now: self.clock.now))
                == Self.closeTimers + ["write ws", "close ws serverShutdown", "remove", "closed serverShutdown"]
        )
    }

    // MARK: - Backpressure and slow consumers

    @Test func aClientOverItsOutboundBoundIsPausedAndClosedIfItStaysThere() {
        var machine = self.polling()
        #expect(
            Self.describe(machine.setOutboundOverBound(true, now: self.clock.now))
                == ["pause reading", "schedule slowConsumer t+20.0 seconds"]
        )
        // Still over when the timer fires: a slow consumer.
        #expect(Self.describe(machine.timerFired(.slowConsumer, now: self.at(20))) == Self.closeTimers + ["remove", "closed transportError"])
    }

    @Test func aClientThatDrainsIsResumedAndNotClosed() {
        var machine = self.polling()
        _ = machine.setOutboundOverBound(true, now: self.clock.now)
        #expect(Self.describe(machine.setOutboundOverBound(false, now: self.at(5))) == ["resume reading", "cancel slowConsumer"])
        #expect(machine.timerFired(.slowConsumer, now: self.at(20)).isEmpty)
        #expect(!machine.isClosed)
        // Backlogged and over the bound: reading resumes only when both are over.
        _ = machine.setApplicationBacklogged(true)
        #expect(Self.describe(machine.setOutboundOverBound(true, now: self.at(21))) == ["schedule slowConsumer t+41.0 seconds"])
        #expect(Self.describe(machine.setApplicationBacklogged(false)) == [])
        #expect(machine.readingPaused)
    }

    @Test func volatileFramesGoOnlyWhereTheyCanBeWrittenNow() {
        var machine = self.polling()
        #expect(!machine.canWriteNow(linkIsWritable: true))
        _ = machine.poll(Responder("p1"), now: self.clock.now)
        #expect(machine.canWriteNow(linkIsWritable: false))
        let link = Link("ws")
        let ws = Machine(timing: Self.timing, link: link)
        #expect(ws.canWriteNow(linkIsWritable: true))
        #expect(!ws.canWriteNow(linkIsWritable: false))
        var closed = ws
        _ = closed.close(reason: .forcedClose, now: self.clock.now)
        #expect(!closed.canWriteNow(linkIsWritable: true))
        #expect(closed.enqueue([Self.frame("4x")]) == nil)
    }
}

extension EngineIOSocket.StateMachine.State {
    /// Closed with nothing left to deliver.
    var isClosedForGood: Bool {
        if case .closed = self { return true }
        return false
    }
}
