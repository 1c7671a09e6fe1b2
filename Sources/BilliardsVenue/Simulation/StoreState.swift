import LakeFormat

/// What a store carries from one business day into the next: its members and their
/// cards, its stock, and refunds promised for later days. `Venue` folds it day by day
/// from the opening day.
struct StoreState: Sendable {
    /// The business day this state opens.
    var dt: LakeDate
    /// Members in the order they joined, each as their latest profile.
    var members: [MemberProfileRecord] = []
    /// Per member, the index of their card in `cards`, or -1.
    var cardOf: [Int32] = []
    var cards: [MemberCardRecord] = []
    /// Stock on hand per good of the catalogue.
    var stock: [Int]
    /// Refunds of earlier settlements that a later day makes.
    var pendingRefunds: [PendingRefund] = []

    init(opening dt: LakeDate) {
        self.dt = dt
        stock = Array(repeating: 0, count: Catalogue.goods.count)
    }
}

/// A refund decided at settlement, made at `time` (the same day or days later).
struct PendingRefund: Sendable {
    var time: VenueTime
    var settlement: SettlementRecord
    var payment: PaymentRecord
    var amount: Money
    var reason: String
    var operatorName: String
}
