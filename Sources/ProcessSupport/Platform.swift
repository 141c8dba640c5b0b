/// Facts about this build that every process reports.
public enum Platform {
    public static let version = "0.1.0"
}
