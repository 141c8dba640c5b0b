import Foundation
import Store

/// A payment written by ``JSONOutput``: the same members and values as its `Encodable` form.
extension PaymentResponse {
    public func write(to out: inout JSONOutput) {
        out.beginObject()
        out.key("provider")
        out.string(payment.provider)
        out.key("intent_id")
        out.string(payment.intentID)
        out.key("status")
        out.string(payment.status.rawValue)
        out.key("amount")
        out.money(payment.amount)
        out.key("currency")
        out.string(payment.currency)
        out.key("captured_amount")
        out.money(payment.capturedAmount)
        out.key("refunded_amount")
        out.money(payment.refundedAmount)
        if forOwner && needsPayer {
            out.key("client_secret")
            out.string(payment.clientSecret)
            out.key("next_action")
            if let action = nextAction {
                out.beginObject()
                out.key("type")
                out.string(action.type)
                if let redirect = action.redirectToURL {
                    out.key("redirect_to_url")
                    out.beginObject()
                    if let url = redirect.url {
                        out.key("url")
                        out.string(url)
                    }
                    out.endObject()
                }
                out.endObject()
            } else {
                out.null()
            }
        }
        out.endObject()
    }
}
