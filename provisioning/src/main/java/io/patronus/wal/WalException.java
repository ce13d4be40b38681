package io.patronus.wal;

import java.io.Serial;

/** Unchecked failure of the write-ahead log: an I/O error, a closed or failed log, or an interrupted wait. */
public class WalException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** A failure described by {@code message}, which names the operation and the file or directory. */
    public WalException(String message) {
        super(message);
    }

    /** A failure described by {@code message}, caused by {@code cause}. */
    public WalException(String message, Throwable cause) {
        super(message, cause);
    }
}
