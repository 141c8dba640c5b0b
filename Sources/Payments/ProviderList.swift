/// A Stripe list answer: `{"object": "list", "data": [...], "has_more": …}`.
struct ProviderList<Item: Decodable>: Decodable {
    var data: [Item]
}
