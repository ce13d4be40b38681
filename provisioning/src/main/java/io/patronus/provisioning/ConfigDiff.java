package io.patronus.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.model.Json;
import io.patronus.model.Policy;
import io.patronus.model.Site;
import io.patronus.model.SlaClass;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * What differs between the configuration the controller wants and the one an appliance reports, as lines for an
 * operator: {@code + site branch-9} (only observed), {@code - policy voice} (only desired),
 * {@code ~ policy voice: action.primary lte -> fiber} (desired value, then observed).
 */
public final class ConfigDiff {
    private ConfigDiff() {
    }

    /** The differences, sites then policies then SLA classes, each sorted by id; empty when the two are equal. */
    public static List<String> diff(BundleConfig desired, BundleConfig observed) {
        Objects.requireNonNull(desired, "desired");
        Objects.requireNonNull(observed, "observed");
        List<String> lines = new ArrayList<>();
        compare("site", desired.sites(), observed.sites(), Site::id, lines);
        compare("policy", desired.policies(), observed.policies(), Policy::id, lines);
        compare("slaClass", desired.slaClasses(), observed.slaClasses(), SlaClass::name, lines);
        return List.copyOf(lines);
    }

    private static <T> void compare(String kind, List<T> desired, List<T> observed, Function<T, String> id, List<String> lines) {
        Map<String, T> want = index(desired, id);
        Map<String, T> have = index(observed, id);
        TreeSet<String> ids = new TreeSet<>(want.keySet());
        ids.addAll(have.keySet());
        for (String key : ids) {
            T d = want.get(key);
            T o = have.get(key);
            if (d == null) {
                lines.add("+ " + kind + " " + key);
            } else if (o == null) {
                lines.add("- " + kind + " " + key);
            } else {
                JsonNode dj = Json.mapper().valueToTree(d);
                JsonNode oj = Json.mapper().valueToTree(o);
                if (!dj.equals(oj)) {
                    List<String> changes = new ArrayList<>();
                    fields("", dj, oj, changes);
                    for (String change : changes) {
                        lines.add("~ " + kind + " " + key + ": " + change);
                    }
                }
            }
        }
    }

    /** Recurses into objects (and equal-length arrays) so that a change is named by its path, not the whole record. */
    private static void fields(String path, JsonNode desired, JsonNode observed, List<String> out) {
        if (Objects.equals(desired, observed)) {
            return;
        }
        // A polymorphic value that changed its type (a route became a drop) is another thing, not a set of field changes.
        if (desired != null && observed != null && desired.isObject() && observed.isObject()
                && Objects.equals(desired.get("type"), observed.get("type"))) {
            TreeSet<String> names = new TreeSet<>();
            desired.fieldNames().forEachRemaining(names::add);
            observed.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                fields(path.isEmpty() ? name : path + "." + name, desired.get(name), observed.get(name), out);
            }
            return;
        }
        if (desired != null && observed != null && desired.isArray() && observed.isArray() && desired.size() == observed.size()) {
            for (int i = 0; i < desired.size(); i++) {
                fields(path + "[" + i + "]", desired.get(i), observed.get(i), out);
            }
            return;
        }
        out.add((path.isEmpty() ? "value" : path) + " " + render(desired) + " -> " + render(observed));
    }

    private static String render(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "(none)";
        }
        return node.isTextual() ? node.asText() : node.toString();
    }

    private static <T> Map<String, T> index(List<T> items, Function<T, String> id) {
        Map<String, T> map = new TreeMap<>();
        for (Iterator<T> it = items.iterator(); it.hasNext(); ) {
            T item = it.next();
            map.put(id.apply(item), item);
        }
        return map;
    }
}
