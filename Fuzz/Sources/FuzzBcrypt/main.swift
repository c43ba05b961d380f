import FuzzSupport
import SocketIOAdmin

/// The bcrypt hash parser (`--admin-auth USER:$2b$…`, `io.instrument(auth:)`): any bytes are
/// either refused with a `BcryptError` or parse to a hash whose printed form parses back to the
/// same hash. Nothing may trap. The hash is never checked here (that is 2^cost of work).
runLibFuzzer { data, size in
    let text = String(decoding: input(data, size), as: UTF8.self)
    guard let hash = try? BcryptHash(text) else { return 0 }
    guard (BcryptHash.minCost...BcryptHash.maxCost).contains(hash.cost), hash.salt.count == 16, hash.digest.count == 23 else {
        fatalError("a parsed hash is out of shape")
    }
    guard let again = try? BcryptHash(hash.description), again == hash, again.description == hash.description else {
        fatalError("a parsed hash does not print back to itself")
    }
    return 0
}
