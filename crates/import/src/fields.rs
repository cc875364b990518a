//! WordPress and Akismet field names onto [`Comment`] fields, WordPress statuses onto labels, and
//! the small normalizations every WordPress reader shares (dates, comment types).

use ferret_features::Comment;

use crate::Status;

/// A column of a `wp_comments` row (or a Ferret record) that this crate uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Author,
    Email,
    Url,
    Ip,
    Agent,
    Content,
    DateGmt,
    Type,
    Parent,
    Permalink,
    Referrer,
    Blog,
    Lang,
    Role,
    /// `comment_approved`: a WordPress status.
    Approved,
    /// `label`: spam or ham.
    Label,
}

/// The field a column name stands for: WordPress's `wp_comments` names (as in CSV exports, SQL dumps
/// and WP-CLI output) and Akismet's names. Unknown columns (`comment_ID`, `comment_karma`, …) are
/// ignored.
pub(crate) fn field_for(name: &str) -> Option<Field> {
    field_for_bytes(name.as_bytes())
}

/// [`field_for`] of raw bytes (a WXR element name): not UTF-8 is no field.
pub(crate) fn field_for_bytes(name: &[u8]) -> Option<Field> {
    // This runs for every element of a WXR export: names that start and end in a letter, digit or
    // `_` (all of them, in practice) have nothing to trim, and are lower-cased on the stack.
    let plain = |b: Option<&u8>| b.is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_');
    let n = if plain(name.first()) && plain(name.last()) {
        name
    } else {
        std::str::from_utf8(name)
            .ok()?
            .trim()
            .trim_matches('`')
            .as_bytes()
    };
    let mut low = [0u8; 24];
    let Some(low) = low.get_mut(..n.len()) else {
        return None; // longer than any name below
    };
    for (l, b) in low.iter_mut().zip(n) {
        *l = b.to_ascii_lowercase();
    }
    Some(match &*low {
        b"comment_author" => Field::Author,
        b"comment_author_email" => Field::Email,
        b"comment_author_url" => Field::Url,
        b"comment_author_ip" | b"user_ip" => Field::Ip,
        b"comment_agent" | b"user_agent" => Field::Agent,
        b"comment_content" => Field::Content,
        b"comment_date_gmt" => Field::DateGmt,
        b"comment_type" => Field::Type,
        b"comment_parent" => Field::Parent,
        b"permalink" => Field::Permalink,
        b"referrer" | b"referer" => Field::Referrer,
        b"blog" => Field::Blog,
        b"blog_lang" => Field::Lang,
        b"user_role" => Field::Role,
        b"comment_approved" => Field::Approved,
        b"label" => Field::Label,
        _ => return None,
    })
}

/// The columns of WordPress's `wp_comments` table in schema order (wp-admin/includes/schema.php),
/// used for INSERTs without a column list when the dump has no CREATE TABLE.
pub(crate) const WP_COMMENTS_SCHEMA: [&str; 15] = [
    "comment_ID",
    "comment_post_ID",
    "comment_author",
    "comment_author_email",
    "comment_author_url",
    "comment_author_IP",
    "comment_date",
    "comment_date_gmt",
    "comment_content",
    "comment_karma",
    "comment_approved",
    "comment_agent",
    "comment_type",
    "comment_parent",
    "user_id",
];

/// WordPress's `comment_approved` values.
pub(crate) fn wp_status(v: &str) -> Status {
    match v.trim() {
        "1" | "approve" | "approved" => Status::Ham,
        "spam" => Status::Spam,
        "0" | "hold" | "pending" | "unapproved" => Status::Pending,
        "trash" | "post-trashed" => Status::Trash,
        _ => Status::Unknown,
    }
}

/// Sets an optional string field, reusing its allocation.
pub(crate) fn set(field: &mut Option<String>, value: &str) {
    match field {
        Some(s) => {
            s.clear();
            s.push_str(value);
        }
        None => *field = Some(value.to_owned()),
    }
}

/// Every optional text field of `c`, for loops that treat them alike.
fn text_fields(c: &mut Comment) -> [&mut Option<String>; 18] {
    [
        &mut c.blog,
        &mut c.user_ip,
        &mut c.user_agent,
        &mut c.referrer,
        &mut c.permalink,
        &mut c.comment_type,
        &mut c.comment_author,
        &mut c.comment_author_email,
        &mut c.comment_author_url,
        &mut c.comment_content,
        &mut c.comment_date_gmt,
        &mut c.comment_post_modified_gmt,
        &mut c.comment_parent,
        &mut c.blog_lang,
        &mut c.blog_charset,
        &mut c.user_role,
        &mut c.recheck_reason,
        &mut c.honeypot_field_name,
    ]
}

/// Clears every field of `c`, keeping the string allocations of those that were set.
pub(crate) fn clear(c: &mut Comment) {
    for s in text_fields(c).into_iter().flatten() {
        s.clear();
    }
    c.is_test = None;
    c.comment_context.clear();
    c.server.clear();
}

/// Turns fields left empty by [`clear`] (or given as empty strings) into `None`.
pub(crate) fn drop_empty(c: &mut Comment) {
    for f in text_fields(c) {
        if f.as_deref().is_some_and(|s| s.trim().is_empty()) {
            *f = None;
        }
    }
}

/// Stores one column value; returns a status when the column is `comment_approved` or `label`.
pub(crate) fn assign(
    c: &mut Comment,
    field: Field,
    value: &str,
    spam_value: &str,
) -> Option<Status> {
    let slot = match field {
        Field::Author => &mut c.comment_author,
        Field::Email => &mut c.comment_author_email,
        Field::Url => &mut c.comment_author_url,
        Field::Ip => &mut c.user_ip,
        Field::Agent => &mut c.user_agent,
        Field::Content => &mut c.comment_content,
        Field::DateGmt => {
            set_wp_date(&mut c.comment_date_gmt, value);
            return None;
        }
        Field::Type => {
            set(&mut c.comment_type, wp_type(value));
            return None;
        }
        Field::Parent => {
            if value.trim() != "0" {
                set(&mut c.comment_parent, value);
            }
            return None;
        }
        Field::Permalink => &mut c.permalink,
        Field::Referrer => &mut c.referrer,
        Field::Blog => &mut c.blog,
        Field::Lang => &mut c.blog_lang,
        Field::Role => &mut c.user_role,
        Field::Approved => return Some(wp_status(value)),
        Field::Label => return Some(label_status(value, spam_value)),
    };
    set(slot, value);
    None
}

/// A label column's value: `spam_value` (case-insensitive) is spam, empty is no label, anything
/// else is ham.
pub(crate) fn label_status(value: &str, spam_value: &str) -> Status {
    let v = value.trim();
    if v.is_empty() {
        Status::Unlabelled
    } else if v.eq_ignore_ascii_case(spam_value.trim()) {
        Status::Spam
    } else {
        Status::Ham
    }
}

/// WordPress leaves `comment_type` empty for ordinary comments before 5.5 and writes `comment`
/// since; both become `comment`, as the Akismet plugin sends them.
pub(crate) fn wp_type(v: &str) -> &str {
    match v.trim() {
        "" => "comment",
        t => t,
    }
}

/// `2020-01-31 10:00:00` (MySQL DATETIME, UTC for `_gmt`) becomes ISO 8601 `2020-01-31T10:00:00Z`;
/// WordPress's zero date means unknown.
pub(crate) fn set_wp_date(slot: &mut Option<String>, v: &str) {
    let v = v.trim();
    if v.is_empty() || v.starts_with("0000-00-00") {
        *slot = None;
        return;
    }
    let b = v.as_bytes();
    if b.len() == 19 && b[10] == b' ' {
        let s = slot.get_or_insert_with(String::new);
        s.clear();
        s.push_str(&v[..10]);
        s.push('T');
        s.push_str(&v[11..]);
        s.push('Z');
    } else {
        set(slot, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_wordpress_names_and_statuses() {
        assert_eq!(field_for("comment_author_IP"), Some(Field::Ip));
        assert_eq!(field_for("`comment_agent`"), Some(Field::Agent));
        assert_eq!(field_for("comment_ID"), None);
        assert_eq!(field_for(" COMMENT_Author_Email "), Some(Field::Email));
        assert_eq!(
            field_for("comment_author_email_address_of_the_author"),
            None
        );
        assert_eq!(field_for(""), None);
        // The WXR reader's shortcut for the names WordPress writes must agree with field_for.
        for (name, f) in [
            ("comment_id", None),
            ("comment_date", None),
            ("comment_user_id", None),
            ("comment_author", Some(Field::Author)),
            ("comment_author_email", Some(Field::Email)),
            ("comment_author_url", Some(Field::Url)),
            ("comment_author_IP", Some(Field::Ip)),
            ("comment_date_gmt", Some(Field::DateGmt)),
            ("comment_content", Some(Field::Content)),
            ("comment_approved", Some(Field::Approved)),
            ("comment_parent", Some(Field::Parent)),
            ("comment_type", Some(Field::Type)),
        ] {
            assert_eq!(field_for(name), f, "{name}");
        }
        assert_eq!(wp_status("1"), Status::Ham);
        assert_eq!(wp_status("spam"), Status::Spam);
        assert_eq!(wp_status("0"), Status::Pending);
        assert_eq!(wp_status("post-trashed"), Status::Trash);
        assert_eq!(wp_status("akismet-hold"), Status::Unknown);
        let mut d = None;
        set_wp_date(&mut d, "2021-03-04 05:06:07");
        assert_eq!(d.as_deref(), Some("2021-03-04T05:06:07Z"));
        set_wp_date(&mut d, "0000-00-00 00:00:00");
        assert_eq!(d, None);
        assert_eq!(label_status("SPAM", "spam"), Status::Spam);
        assert_eq!(label_status("0", "1"), Status::Ham);
        assert_eq!(label_status(" ", "1"), Status::Unlabelled);
    }
}
