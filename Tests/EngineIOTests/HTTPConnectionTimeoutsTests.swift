import NIOCore
import Testing

@testable import EngineIO

/// The timeouts state machine alone, on a manual clock: each phase's deadline and what
/// running out of it does.
@Suite("HTTP connection timeouts, as a state machine")
struct HTTPConnectionTimeoutsTests {
    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
    static func at(_ seconds: Int64) -> NIODeadline { Self.start + .seconds(seconds) }

    @Test func theFirstRequestHasTheHeadersTimeoutFromTheAccept() {
        var timeouts = HTTPConnectionTimeouts(limits: HTTPServerLimits(), now: Self.start)
        #expect(timeouts.deadline == Self.at(60))
        #expect(timeouts.timerFired(now: Self.at(59)) == .none)
        #expect(timeouts.timerFired(now: Self.at(60)) == .reject(.requestTimeout))
        #expect(timeouts.deadline == nil)
    }

    @Test func aRequestRunsThroughItsPhases() {
        var timeouts = HTTPConnectionTimeouts(limits: HTTPServerLimits(requestTimeout: .seconds(30)), now: Self.start)
        #expect(timeouts.bytesRead(100, now: Self.at(1)) == .none)
        // The head's deadline is the smaller of the two, from the first byte.
        #expect(timeouts.deadline == Self.at(30))
        timeouts.headReceived(now: Self.at(2))
        #expect(timeouts.deadline == Self.at(30))
        timeouts.requestDispatched()
        #expect(timeouts.deadline == nil, "no deadline while the application answers")
        #expect(timeouts.responseFinished(keepAlive: true, now: Self.at(40)) == .none)
        #expect(timeouts.deadline == Self.at(45))
        #expect(timeouts.timerFired(now: Self.at(45)) == .close)
    }

    @Test func theNextRequestStartsItsClockAtItsFirstByte() {
        var timeouts = HTTPConnectionTimeouts(limits: HTTPServerLimits(), now: Self.start)
        timeouts.headReceived(now: Self.at(0))
        timeouts.requestDispatched()
        _ = timeouts.responseFinished(keepAlive: true, now: Self.at(1))
        #expect(timeouts.bytesRead(10, now: Self.at(3)) == .none)
        #expect(timeouts.deadline == Self.at(63))
    }

    @Test func headBytesAreCapped() {
        var timeouts = HTTPConnectionTimeouts(limits: HTTPServerLimits(maxHeaderBytes: 1000), now: Self.start)
        #expect(timeouts.bytesRead(600, now: Self.at(0)) == .none)
        #expect(timeouts.bytesRead(400, now: Self.at(0)) == .none)
        #expect(timeouts.bytesRead(1, now: Self.at(0)) == .reject(.headerTooLarge))
        #expect(timeouts.phase == .closed)
    }

    @Test func aPipelinedHeadWhileRespondingStartsTheBodyClock() {
        var timeouts = HTTPConnectionTimeouts(limits: HTTPServerLimits(), now: Self.start)
        timeouts.requestDispatched()
        timeouts.headReceived(now: Self.at(5))
        #expect(timeouts.deadline == Self.at(65))
    }

    @Test func closingAndUpgradedConnectionsHaveNoDeadline() {
        var closing = HTTPConnectionTimeouts(limits: HTTPServerLimits(), now: Self.start)
        closing.requestDispatched()
        _ = closing.responseFinished(keepAlive: false, now: Self.at(1))
        #expect(closing.deadline == nil)
        var upgraded = HTTPConnectionTimeouts(limits: HTTPServerLimits(), now: Self.start)
        upgraded.upgraded()
        #expect(upgraded.deadline == nil)
        #expect(upgraded.bytesRead(1 << 20, now: Self.at(1)) == .none)
    }
}
