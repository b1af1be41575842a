/// The toolchain's version. Generated predictors embed it, and `check` compares it.
public enum ToolchainVersion {
    public static let string = "0.2.0"
}
