package io.patronus.appliance.store;

import java.util.Map;
import java.util.function.Consumer;

/**
 * One step of the store's schema history, from {@code version - 1} to {@code version}. A step rewrites the stored
 * documents: it receives every map of the snapshot by name (values are the JSON documents) and edits them in place.
 */
public record Migration(int version, String description, Consumer<Map<String, Map<String, String>>> step) {
}
