package io.patronus.appliance.api;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds a field the model does not have before the body is bound. Jackson binds records through their constructor
 * and reports an unknown field only after the constructor has run, so a misspelt {@code nmae} would otherwise be
 * reported as a missing {@code name}; naming the misspelt field is what helps the caller.
 */
final class UnknownFields {
    private UnknownFields() {
    }

    /** The first unknown field's path, if any. */
    static Optional<ApiException> find(JsonNode node, Type type, String path) {
        Class<?> raw = raw(type);
        if (node == null || raw == null) {
            return Optional.empty();
        }
        if (node.isArray() && List.class.isAssignableFrom(raw)) {
            Type element = arg(type, 0);
            for (int i = 0; i < node.size(); i++) {
                Optional<ApiException> e = find(node.get(i), element, path + "[" + i + "]");
                if (e.isPresent()) {
                    return e;
                }
            }
            return Optional.empty();
        }
        if (!node.isObject()) {
            return Optional.empty();
        }
        if (Map.class.isAssignableFrom(raw)) {
            Type value = arg(type, 1);
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                Optional<ApiException> found = find(e.getValue(), value, join(path, e.getKey()));
                if (found.isPresent()) {
                    return found;
                }
            }
            return Optional.empty();
        }
        Class<?> concrete = raw;
        Set<String> extra = Set.of();
        JsonTypeInfo info = raw.getAnnotation(JsonTypeInfo.class);
        JsonSubTypes subs = raw.getAnnotation(JsonSubTypes.class);
        if (info != null && subs != null) {
            JsonNode tag = node.get(info.property());
            if (tag == null || !tag.isTextual()) {
                return Optional.empty(); // Jackson reports the missing or wrong type id itself
            }
            concrete = Arrays.stream(subs.value()).filter(s -> s.name().equals(tag.asText()))
                    .<Class<?>>map(JsonSubTypes.Type::value).findFirst().orElse(null);
            if (concrete == null) {
                return Optional.empty();
            }
            extra = Set.of(info.property());
        }
        if (!concrete.isRecord()) {
            return Optional.empty();
        }
        RecordComponent[] components = concrete.getRecordComponents();
        Set<String> known = new TreeSet<>(extra);
        for (RecordComponent c : components) {
            known.add(c.getName());
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!known.contains(name)) {
                String field = join(path, name);
                return Optional.of(ApiException.invalidField(field, field + ": unknown field; known fields here: " + known));
            }
        }
        for (RecordComponent c : components) {
            Optional<ApiException> e = find(node.get(c.getName()), c.getGenericType(), join(path, c.getName()));
            if (e.isPresent()) {
                return e;
            }
        }
        return Optional.empty();
    }

    private static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    private static Class<?> raw(Type t) {
        if (t instanceof Class<?> c) {
            return c;
        }
        if (t instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c) {
            return c;
        }
        return null;
    }

    private static Type arg(Type t, int i) {
        return t instanceof ParameterizedType p && p.getActualTypeArguments().length > i ? p.getActualTypeArguments()[i] : Object.class;
    }
}
