/// A value that writes itself with ``JSONOutput`` (the API's hot answers), as its `Encodable`
/// form would read.
public protocol JSONWritable {
    func write(to out: inout JSONOutput)
}

extension OrderResponse: JSONWritable {}
extension PaymentResponse: JSONWritable {}
