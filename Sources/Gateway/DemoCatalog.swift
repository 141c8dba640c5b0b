import Foundation

/// The development catalog `gateway seed-demo` adds: 32 products in the shop's 8 categories.
enum DemoCatalog {
    /// (sku, name, category, price, stock)
    static let products: [(String, String, String, String, Int)] = [
        ("EL-PHONE-01", "Smartphone X200", "Electronics", "699.00", 40),
        ("EL-LAPTOP-01", "Ultrabook 14", "Electronics", "1299.99", 15),
        ("EL-EARBUD-01", "Wireless Earbuds", "Electronics", "89.50", 120),
        ("EL-CHARGE-01", "65 W USB-C Charger", "Electronics", "34.99", 200),
        ("CL-TSHIRT-01", "Cotton T-Shirt", "Clothing", "14.99", 300),
        ("CL-JEANS-01", "Slim Jeans", "Clothing", "49.00", 150),
        ("CL-JACKET-01", "Rain Jacket", "Clothing", "119.00", 60),
        ("CL-SOCKS-01", "Wool Socks (3 pairs)", "Clothing", "19.95", 250),
        ("HG-LAMP-01", "Desk Lamp", "Home & Garden", "39.90", 80),
        ("HG-HOSE-01", "Garden Hose 20 m", "Home & Garden", "29.99", 70),
        ("HG-PAN-01", "Cast Iron Pan", "Home & Garden", "59.00", 45),
        ("HG-PLANT-01", "Potted Fern", "Home & Garden", "17.50", 90),
        ("SP-BALL-01", "Football", "Sports", "24.99", 110),
        ("SP-MAT-01", "Yoga Mat", "Sports", "32.00", 95),
        ("SP-BOTTLE-01", "Steel Water Bottle", "Sports", "18.75", 220),
        ("SP-RACKET-01", "Badminton Racket", "Sports", "45.00", 50),
        ("BK-NOVEL-01", "The Long Voyage (novel)", "Books", "12.99", 140),
        ("BK-COOK-01", "Everyday Curries (cookbook)", "Books", "27.50", 65),
        ("BK-CODE-01", "Server-Side Swift", "Books", "44.00", 35),
        ("BK-KIDS-01", "Picture Book of Birds", "Books", "9.99", 180),
        ("BT-CREAM-01", "Face Cream 50 ml", "Beauty", "21.00", 130),
        ("BT-SHAMP-01", "Herbal Shampoo", "Beauty", "8.49", 260),
        ("BT-BRUSH-01", "Bamboo Hairbrush", "Beauty", "12.00", 100),
        ("BT-LIP-01", "Lip Balm (2 pack)", "Beauty", "5.99", 400),
        ("AU-WIPER-01", "Wiper Blades (pair)", "Automotive", "22.90", 75),
        ("AU-OIL-01", "Engine Oil 5W-30 4 L", "Automotive", "38.00", 60),
        ("AU-MOUNT-01", "Phone Car Mount", "Automotive", "15.99", 140),
        ("AU-JUMP-01", "Jump Starter", "Automotive", "79.00", 25),
        ("FB-TEA-01", "Assam Tea 250 g", "Food & Beverages", "6.50", 500),
        ("FB-COFFEE-01", "Coffee Beans 1 kg", "Food & Beverages", "24.00", 160),
        ("FB-HONEY-01", "Wildflower Honey", "Food & Beverages", "11.25", 210),
        ("FB-CHOC-01", "Dark Chocolate 70%", "Food & Beverages", "3.99", 600),
    ]
}
