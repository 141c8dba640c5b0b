import HTTPTypes

extension HTTPFields {
    /// The value of `name` as `self[name]` reads it (the fields of that name joined), found in
    /// one pass over the fields: the subscript goes through lazy sequences and `joined` even for
    /// one field, 3,400 instructions for a request's `Authorization`.
    public func value(of name: HTTPField.Name) -> String? {
        var found: String?
        for field in self where field.name == name {
            // Several fields of the name: as the subscript joins them.
            if found != nil { return self[name] }
            found = field.value
        }
        return found
    }

    /// Sets the field `name` to `value`, as `self[name] = value` does, appending it when there is
    /// none of that name (the setter looks for fields to replace through lazy sequences).
    public mutating func set(_ name: HTTPField.Name, to value: String) {
        if name != .cookie, !contains(name) {
            append(HTTPField(name: name, value: value))
        } else {
            self[name] = value
        }
    }
}
