import GeneratorKit

/// Mainland Chinese names and mobile numbers.
enum Names {
    /// The most common surnames, most frequent first, with their approximate shares in
    /// percent (national surname statistics, rounded; the tail is an estimate).
    static let surnames: [(String, Double)] = [
        ("王", 7.1), ("李", 7.0), ("张", 6.7), ("刘", 5.4), ("陈", 4.6), ("杨", 3.1), ("黄", 2.4), ("赵", 2.3), ("吴", 2.0),
        ("周", 1.9), ("徐", 1.3), ("孙", 1.2), ("马", 1.1), ("朱", 1.1), ("胡", 1.0), ("郭", 1.0), ("何", 0.9), ("高", 0.9),
        ("林", 0.9), ("罗", 0.8), ("郑", 0.8), ("梁", 0.7), ("谢", 0.6), ("宋", 0.6), ("唐", 0.6), ("许", 0.5), ("韩", 0.5),
        ("冯", 0.5), ("邓", 0.5), ("曹", 0.5), ("彭", 0.4), ("曾", 0.4), ("肖", 0.4), ("田", 0.4), ("董", 0.4), ("袁", 0.4),
        ("潘", 0.4), ("于", 0.4), ("蒋", 0.4), ("蔡", 0.4), ("余", 0.4), ("杜", 0.4), ("叶", 0.4), ("程", 0.3), ("苏", 0.3),
        ("魏", 0.3), ("吕", 0.3), ("丁", 0.3), ("任", 0.3), ("沈", 0.3), ("姚", 0.3), ("卢", 0.3), ("姜", 0.3), ("崔", 0.3),
        ("钟", 0.3), ("谭", 0.3), ("陆", 0.3), ("汪", 0.3), ("范", 0.3), ("金", 0.3), ("石", 0.3), ("廖", 0.3), ("贾", 0.2),
        ("夏", 0.2), ("韦", 0.2), ("付", 0.2), ("方", 0.2), ("白", 0.2), ("邹", 0.2), ("孟", 0.2), ("熊", 0.2), ("秦", 0.2),
        ("邱", 0.2), ("江", 0.2), ("尹", 0.2), ("薛", 0.2), ("闫", 0.2), ("段", 0.2), ("雷", 0.2), ("侯", 0.2), ("龙", 0.2),
        ("史", 0.2), ("陶", 0.2), ("黎", 0.2), ("贺", 0.2), ("顾", 0.2), ("毛", 0.2), ("郝", 0.2), ("龚", 0.2), ("邵", 0.2),
    ]
    static let surnameChoice = WeightedChoice(weights: surnames.map(\.1))

    static let maleChars = Array("伟强磊军洋勇杰涛明超斌鹏辉华飞鑫波宇浩凯健俊帆帅旭宁龙林阳晨博文轩睿泽然昊天志建国海峰亮东成刚毅航锐").map(String.init)
    static let femaleChars = Array("芳娜敏静丽艳娟霞燕玲婷雪琳晶颖倩莹欣怡佳悦萱涵梦诗雨思琪婉瑶慧秀红丹蕾薇月露洁妍").map(String.init)

    /// A full name: a surname and one or two given characters.
    static func person(female: Bool, _ rng: inout SplitMix64) -> String {
        let chars = female ? femaleChars : maleChars
        let surname = surnames[surnameChoice.draw(&rng)].0
        if rng.chance(0.3) { return surname + chars[rng.below(chars.count)] }
        let a = rng.below(chars.count)
        var b = rng.below(chars.count)
        if b == a { b = (a + 1) % chars.count }
        return surname + chars[a] + chars[b]
    }

    /// Mobile number blocks of the three carriers.
    static let mobilePrefixes = [130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 155, 156, 157, 158, 159, 166,
                                 173, 176, 177, 180, 181, 182, 183, 185, 186, 187, 188, 189, 191, 198, 199]

    /// An 11-digit mainland mobile number.
    static func mobile(_ rng: inout SplitMix64) -> String {
        let n = rng.below(100_000_000)
        let tail = String(n)
        return String(mobilePrefixes[rng.below(mobilePrefixes.count)]) + String(repeating: "0", count: 8 - tail.count) + tail
    }

    /// Names assistants go by at work.
    static let assistantNicknames = ["小雪", "小雨", "小美", "婷婷", "佳佳", "可可", "晴晴", "悦悦", "小鹿", "甜甜", "小雅", "欣欣",
                                     "朵朵", "乐乐", "安琪", "小柔", "阿杰", "小凯", "思思", "糖糖", "小舟", "木子", "七七", "Coco",
                                     "Lily", "小夏", "小白", "芊芊", "宁宁", "嘟嘟"]
}
