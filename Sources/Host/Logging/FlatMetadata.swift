import Logging

/// One leaf of a log record's metadata after nesting is flattened: the path of keys that led to
/// it and its value(s). An array leaf keeps several values under one path.
struct FlatMetadataField: Equatable, Sendable {
    var path: [String]
    var values: [String]
}

/// The metadata both handlers emit, merged and flattened the same way so the journal and logfmt
/// carry the same facts.
enum FlatMetadata {
    /// Merges the sources of a record's metadata; later sources win on equal keys, in swift-log's
    /// order: handler metadata, then the metadata provider, then the call's own metadata. An
    /// `error` attached to the event is added under `error` unless the metadata already has one.
    static func merge(
        handler: Logger.Metadata,
        provider: Logger.MetadataProvider?,
        call: Logger.Metadata?,
        error: (any Error)?
    ) -> Logger.Metadata {
        var merged = handler
        if let provided = provider?.get(), !provided.isEmpty {
            merged.merge(provided) { _, new in new }
        }
        if let call, !call.isEmpty {
            merged.merge(call) { _, new in new }
        }
        if let error, merged["error"] == nil {
            merged["error"] = .string(String(describing: error))
        }
        return merged
    }

    /// Flattens `metadata` into leaves, keys sorted so output is stable.
    ///
    /// A dictionary contributes one leaf per nested key (path grows by that key); an array keeps
    /// its scalar elements as several values of one leaf, and its dictionary elements merge
    /// leaf by leaf. An empty dictionary or array yields one empty value, so the key still shows.
    static func flatten(_ metadata: Logger.Metadata) -> [FlatMetadataField] {
        flatten(.dictionary(metadata), path: [])
    }

    private static func flatten(_ value: Logger.MetadataValue, path: [String]) -> [FlatMetadataField] {
        switch value {
        case .string(let text):
            return [FlatMetadataField(path: path, values: [text])]
        case .stringConvertible(let convertible):
            return [FlatMetadataField(path: path, values: [convertible.description])]
        case .dictionary(let dictionary):
            if dictionary.isEmpty {
                return path.isEmpty ? [] : [FlatMetadataField(path: path, values: [""])]
            }
            return dictionary.keys.sorted().flatMap { key in
                // The key comes from the dictionary itself, so the lookup cannot miss.
                dictionary[key].map { flatten($0, path: path + [key]) } ?? []
            }
        case .array(let elements):
            if elements.isEmpty {
                return [FlatMetadataField(path: path, values: [""])]
            }
            var merged: [FlatMetadataField] = []
            for field in elements.flatMap({ flatten($0, path: path) }) {
                if let index = merged.firstIndex(where: { $0.path == field.path }) {
                    merged[index].values += field.values
                } else {
                    merged.append(field)
                }
            }
            return merged
        }
    }
}
