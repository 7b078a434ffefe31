package dev.dxfs.mount;

/** A failure the user can act on: printed as one line, and the command exits non-zero. */
final class CliException extends Exception {
    private static final long serialVersionUID = 1L;

    CliException(String message) {
        super(message);
    }
}
