/// What every console page shows around its content.
struct ConsoleFrame: Sendable {
    /// The page's title (the `<title>` adds the shop's name).
    var title: String
    var nav: [ConsolePages.NavItem] = []
    var signedIn = false
    var username = ""
    /// The avatar's letter.
    var initial = ""
    var roleLabel = ""
    var isCustomer = false
    var isStaff = false
    var isAdmin = false
    var cartCount = 0
    /// The token every form of the page posts back.
    var csrf = ""
    /// A one-time notice at the top of the page (after a redirect).
    var notice: String?
    var requestID = ""
    /// The server's clock when the page was made, in milliseconds since 1970: countdowns run
    /// from it, not from the browser's clock.
    var serverNow = 0
    var stylesheet = ""
    var script = ""
}
