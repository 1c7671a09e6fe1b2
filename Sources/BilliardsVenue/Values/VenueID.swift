/// Source primary keys. Every id is a 16-digit number below 2^53, so a JSON reader
/// that keeps numbers as doubles still reads it exactly:
///
///     kind (2 digits) · store (2 digits, 00 for the tenant) · day (5 digits: days since 1970) · sequence (7 digits)
///
/// so an id names what it is, where and on which business day it was made, and the
/// same simulation always hands out the same ids.
enum VenueID {
    enum Kind: Int64 {
        case site = 10, table = 11, tenantGoods = 12, category = 13, storeGoods = 14, assistant = 15, package = 16
        case member = 17, card = 18
        case tableUse = 20, assistantService = 21, assistantCancel = 22, goodsSale = 23, stockMove = 24
        case settle = 25, payment = 26, refund = 27, adjust = 28, couponConsume = 29, groupBuyUse = 30
        case recharge = 31, balanceLog = 32
    }

    static func make(_ kind: Kind, store: Int, day: Int32, seq: Int) -> Int64 {
        precondition(store >= 0 && store < 100 && day >= 0 && day < 100_000 && seq >= 0 && seq < 10_000_000)
        return kind.rawValue * 100_000_000_000_000 + Int64(store) * 1_000_000_000_000 + Int64(day) * 10_000_000 + Int64(seq)
    }
}
