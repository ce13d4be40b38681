package io.patronus.common.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** A plain text table: a header row, columns padded to their widest cell, two spaces apart, no trailing blanks. */
public final class Table {
    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();
    private boolean emptyAsDash;

    /** A table whose null cells print as "-"; empty cells print empty unless {@link #emptyAsDash()} is called. */
    public Table(String... headers) {
        this.headers = List.of(headers);
    }

    /** Prints empty cells as "-" too (the controller's tables, where an answer's unset text may be ""); call before adding rows. */
    public Table emptyAsDash() {
        this.emptyAsDash = true;
        return this;
    }

    /** Adds a row; a null cell prints as "-". */
    public Table row(Object... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + headers.size() + " columns " + headers);
        }
        List<String> r = new ArrayList<>();
        for (Object c : cells) {
            r.add(c == null || emptyAsDash && c.toString().isEmpty() ? "-" : c.toString());
        }
        rows.add(r);
        return this;
    }

    /** The header, then the rows; "(none)" under the header when there are no rows. */
    public void print(PrintStream out) {
        int[] width = new int[headers.size()];
        for (int i = 0; i < width.length; i++) {
            width[i] = headers.get(i).length();
            for (List<String> r : rows) {
                width[i] = Math.max(width[i], r.get(i).length());
            }
        }
        line(out, headers, width);
        for (List<String> r : rows) {
            line(out, r, width);
        }
        if (rows.isEmpty()) {
            out.println("(none)");
        }
    }

    private static void line(PrintStream out, List<String> cells, int[] width) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            sb.append(cells.get(i)).append(" ".repeat(width[i] - cells.get(i).length() + 2));
        }
        out.println(sb.toString().stripTrailing());
    }
}
