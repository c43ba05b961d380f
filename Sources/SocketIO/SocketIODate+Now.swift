public import SocketIOProtocol

extension SocketIODate {
    /// The current instant, from the wall clock (JavaScript's `new Date()`). Here and not in
    /// `SocketIOProtocol`, which reads no clocks.
    public static var now: SocketIODate { SocketIODate(millisecondsSince1970: WallClock.milliseconds()) }
}
