package io.patronus.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A block of "label  value" lines with the values aligned: how one object is shown in the table format. */
final class Fields {
    private final List<Map.Entry<String, String>> lines = new ArrayList<>();

    Fields add(String label, Object value) {
        lines.add(Map.entry(label, value == null ? "-" : value.toString()));
        return this;
    }

    /** Every field of a JSON object: nested objects as "outer.inner", arrays of values joined with ", ". */
    Fields addAll(JsonNode object) {
        return addAll("", object);
    }

    private Fields addAll(String prefix, JsonNode object) {
        object.properties().forEach(e -> {
            JsonNode v = e.getValue();
            if (v.isObject() && !v.isEmpty()) {
                addAll(prefix + e.getKey() + ".", v);
            } else {
                add(prefix + e.getKey(), text(v));
            }
        });
        return this;
    }

    /** A JSON value as one line: text without quotes, arrays of values joined with ", ", anything else as JSON. */
    static String text(JsonNode v) {
        if (v.isArray() && v.valueStream().allMatch(JsonNode::isValueNode)) {
            return String.join(", ", v.valueStream().map(JsonNode::asText).toList());
        }
        if (v.isMissingNode() || v.isNull()) {
            return "-";
        }
        return v.isValueNode() ? v.asText() : v.toString();
    }

    void print(PrintStream out) {
        int width = lines.stream().mapToInt(l -> l.getKey().length()).max().orElse(0);
        for (Map.Entry<String, String> l : lines) {
            List<String> valueLines = l.getValue().lines().toList();
            String pad = " ".repeat(width - l.getKey().length() + 2);
            out.println((l.getKey() + pad + (valueLines.isEmpty() ? "" : valueLines.getFirst())).stripTrailing());
            for (String more : valueLines.subList(Math.min(1, valueLines.size()), valueLines.size())) {
                out.println(" ".repeat(width + 2) + more);
            }
        }
    }
}
