package dev.dxfs.demo;

import java.util.Optional;

/** How one round of a dx-like instance ended, as reported on its {@code result} line. */
public enum Outcome {
    OK("ok", "ok"),
    /** Rewriting or running a binary that another instance is running or writing (Linux). */
    ETXTBSY("etxtbsy", "ETXTBSY"),
    /** The macOS form of the same conflict. */
    EPERM("eperm", "EPERM"),
    /** Running a copy taken while another instance was rewriting the original. */
    ENOEXEC("enoexec", "ENOEXEC"),
    /** A server that ran but found its bytes mixed or missing, or crashed on them. */
    TORN("torn", "torn"),
    OTHER("other", "other");

    private final String token;
    private final String label;

    Outcome(String token, String label) {
        this.token = token;
        this.label = label;
    }

    public String label() {
        return label;
    }

    public boolean failure() {
        return this != OK;
    }

    public static Optional<Outcome> ofToken(String token) {
        for (Outcome o : values()) {
            if (o.token.equals(token)) {
                return Optional.of(o);
            }
        }
        return Optional.empty();
    }
}
