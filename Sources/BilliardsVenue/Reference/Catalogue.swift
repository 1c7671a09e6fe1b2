/// What a venue sells and rents: table types and their rates, goods and their
/// categories, assistant levels, group-buy packages, member levels.
enum Catalogue {
    /// A type of table: its area, its rates in yuan per hour by band (day 08-18,
    /// evening 18-24, late night 00-08), how many a store has, and how often a party
    /// asks for one.
    struct TableType {
        let id: Int
        let name: String
        let area: String
        let rates: (day: Int, evening: Int, night: Int)
        let count: ClosedRange<Int>
        let demand: Double
        let isRoom: Bool
    }

    static let tableTypes = [
        TableType(id: 1, name: "中式黑八", area: "A区", rates: (30, 45, 38), count: 8...14, demand: 0.62, isRoom: false),
        TableType(id: 2, name: "美式九球", area: "B区", rates: (35, 50, 42), count: 2...5, demand: 0.16, isRoom: false),
        TableType(id: 3, name: "斯诺克", area: "C区", rates: (48, 68, 58), count: 2...4, demand: 0.12, isRoom: false),
        TableType(id: 4, name: "包厢", area: "VIP区", rates: (88, 128, 108), count: 2...3, demand: 0.10, isRoom: true),
    ]

    /// A good of the tenant's catalogue: its secondary category (index into
    /// `categories`), unit, price and cost in fen, how often it is ordered, and the
    /// stock a store keeps: restocked by `reorderQty` when below `reorderPoint`.
    struct Good {
        let name: String
        let category: Int
        let unit: String
        let price: Int64
        let cost: Int64
        let popularity: Double
        let reorderPoint: Int
        let reorderQty: Int
    }

    /// Primary categories and their secondary ones.
    static let categories: [(primary: String, secondary: [String])] = [
        ("酒水饮料", ["饮料", "啤酒", "茶饮咖啡"]),
        ("零食小吃", ["坚果炒货", "膨化零食", "方便速食"]),
        ("台球用品", ["球杆", "配件"]),
    ]

    static let goods: [Good] = [
        Good(name: "农夫山泉550ml", category: 0, unit: "瓶", price: 500, cost: 120, popularity: 10, reorderPoint: 48, reorderQty: 96),
        Good(name: "可口可乐330ml", category: 0, unit: "罐", price: 600, cost: 200, popularity: 9, reorderPoint: 48, reorderQty: 96),
        Good(name: "雪碧330ml", category: 0, unit: "罐", price: 600, cost: 200, popularity: 5, reorderPoint: 24, reorderQty: 48),
        Good(name: "红牛250ml", category: 0, unit: "罐", price: 1000, cost: 450, popularity: 7, reorderPoint: 24, reorderQty: 48),
        Good(name: "东方树叶500ml", category: 0, unit: "瓶", price: 800, cost: 300, popularity: 5, reorderPoint: 24, reorderQty: 48),
        Good(name: "脉动600ml", category: 0, unit: "瓶", price: 800, cost: 320, popularity: 5, reorderPoint: 24, reorderQty: 48),
        Good(name: "康师傅冰红茶500ml", category: 0, unit: "瓶", price: 600, cost: 220, popularity: 5, reorderPoint: 24, reorderQty: 48),
        Good(name: "青岛啤酒500ml", category: 1, unit: "罐", price: 1000, cost: 380, popularity: 8, reorderPoint: 48, reorderQty: 96),
        Good(name: "雪花勇闯天涯500ml", category: 1, unit: "罐", price: 800, cost: 300, popularity: 6, reorderPoint: 48, reorderQty: 96),
        Good(name: "百威啤酒500ml", category: 1, unit: "罐", price: 1500, cost: 600, popularity: 4, reorderPoint: 24, reorderQty: 48),
        Good(name: "鲜榨柠檬茶", category: 2, unit: "杯", price: 1500, cost: 400, popularity: 3, reorderPoint: 30, reorderQty: 60),
        Good(name: "美式咖啡", category: 2, unit: "杯", price: 1800, cost: 500, popularity: 2, reorderPoint: 30, reorderQty: 60),
        Good(name: "菊花茶(壶)", category: 2, unit: "壶", price: 2800, cost: 600, popularity: 2, reorderPoint: 20, reorderQty: 40),
        Good(name: "洽洽香瓜子", category: 3, unit: "包", price: 1000, cost: 450, popularity: 4, reorderPoint: 20, reorderQty: 40),
        Good(name: "开心果", category: 3, unit: "包", price: 2500, cost: 1200, popularity: 2, reorderPoint: 10, reorderQty: 20),
        Good(name: "酒鬼花生", category: 3, unit: "包", price: 800, cost: 350, popularity: 3, reorderPoint: 20, reorderQty: 40),
        Good(name: "乐事薯片", category: 4, unit: "包", price: 1200, cost: 550, popularity: 4, reorderPoint: 20, reorderQty: 40),
        Good(name: "旺旺雪饼", category: 4, unit: "包", price: 800, cost: 300, popularity: 2, reorderPoint: 20, reorderQty: 40),
        Good(name: "卫龙辣条", category: 4, unit: "包", price: 500, cost: 200, popularity: 3, reorderPoint: 20, reorderQty: 40),
        Good(name: "康师傅红烧牛肉面", category: 5, unit: "桶", price: 1000, cost: 400, popularity: 3, reorderPoint: 12, reorderQty: 24),
        Good(name: "双汇火腿肠", category: 5, unit: "根", price: 300, cost: 100, popularity: 2, reorderPoint: 20, reorderQty: 50),
        Good(name: "中式台球杆(入门)", category: 6, unit: "支", price: 39800, cost: 18000, popularity: 0.05, reorderPoint: 2, reorderQty: 4),
        Good(name: "美式九球杆", category: 6, unit: "支", price: 68000, cost: 32000, popularity: 0.03, reorderPoint: 1, reorderQty: 3),
        Good(name: "斯诺克球杆", category: 6, unit: "支", price: 128000, cost: 62000, popularity: 0.02, reorderPoint: 1, reorderQty: 2),
        Good(name: "巧克粉", category: 7, unit: "个", price: 500, cost: 150, popularity: 2.5, reorderPoint: 20, reorderQty: 50),
        Good(name: "台球手套", category: 7, unit: "只", price: 1500, cost: 500, popularity: 1, reorderPoint: 10, reorderQty: 20),
        Good(name: "皮头", category: 7, unit: "个", price: 3000, cost: 900, popularity: 0.3, reorderPoint: 5, reorderQty: 10),
    ]

    /// Assistant levels: name and price in yuan per hour.
    static let assistantLevels: [(name: String, price: Int)] = [("初级", 68), ("中级", 88), ("高级", 118), ("星级", 158)]

    /// Group-buy packages a store sells: platform (1 美团, 2 抖音), table type id,
    /// minutes, sale price and list price in yuan.
    static let packages: [(platform: Int, type: Int, name: String, minutes: Int, sale: Int, list: Int)] = [
        (1, 1, "中式台球2小时畅打", 120, 59, 90),
        (1, 3, "斯诺克1小时", 60, 49, 68),
        (1, 4, "包厢3小时欢乐套餐", 180, 268, 384),
        (2, 1, "中式黑八2小时", 120, 55, 90),
        (2, 2, "美式九球2小时", 120, 69, 100),
    ]

    static func platformName(_ platform: Int) -> String { platform == 1 ? "美团" : "抖音" }

    /// Member levels: name, the recharged total that reaches it (yuan), and the share
    /// of the table fee the member pays (percent).
    static let memberLevels: [(name: String, threshold: Int, percent: Int)] = [
        ("普通会员", 0, 100), ("银卡会员", 1000, 95), ("金卡会员", 3000, 90), ("钻石会员", 8000, 85),
    ]

    /// Amounts members recharge, in yuan, and how often.
    static let rechargeAmounts = [100, 200, 300, 500, 1000, 2000, 5000]
    static let rechargeWeights = [8.0, 12, 18, 32, 18, 9, 3]
}
