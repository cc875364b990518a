//! HTML to readable text for Disqus messages and HTML mail parts: tags become spaces (block tags
//! newlines), comments, `<script>` and `<style>` vanish, entities are decoded, link targets are kept
//! (a spam comment's links are its strongest clue).

use ferret_features::mail::push_entities;

/// Appends the text of `html` to `out`.
pub(crate) fn to_text(html: &str, out: &mut String) {
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        push_entities(&rest[..lt], out);
        let after = &rest[lt..];
        if let Some(body) = after.strip_prefix("<!--") {
            // Deleted outright: `Wr<!--x-->inkle` is one word to a reader.
            rest = body.find("-->").map_or("", |i| &body[i + 3..]);
            continue;
        }
        let Some(gt) = after.find('>') else {
            // A lone `<` in text ("a < b"): keep it.
            out.push('<');
            rest = &after[1..];
            continue;
        };
        let tag = &after[1..gt];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if name.is_empty() && !tag.starts_with('/') && !tag.starts_with('!') {
            out.push('<');
            rest = &after[1..];
            continue;
        }
        rest = &after[gt + 1..];
        if (name == "script" || name == "style") && !tag.starts_with('/') {
            let close = format!("</{name}");
            rest = find_ci(rest, &close)
                .and_then(|i| rest[i..].find('>').map(|j| &rest[i + j + 1..]))
                .unwrap_or("");
            out.push(' ');
            continue;
        }
        if name == "a" {
            if let Some(href) = attr(tag, "href") {
                out.push(' ');
                push_entities(href, out);
            }
        }
        let block = matches!(
            name.as_str(),
            "p" | "br" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "h4" | "blockquote" | "pre"
        );
        out.push(if block { '\n' } else { ' ' });
    }
    push_entities(rest, out);
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let i = find_ci(tag, name)?;
    let rest = tag[i + name.len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let (q, body) = match rest.chars().next()? {
        q @ ('"' | '\'') => (q, &rest[1..]),
        _ => (' ', rest),
    };
    Some(body.split(q).next().unwrap_or(body))
}

fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    hay.as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(h: &str) -> String {
        let mut s = String::new();
        to_text(h, &mut s);
        s
    }

    #[test]
    fn strips_tags_keeps_links_and_decodes() {
        assert_eq!(
            text("<p>Buy <a href=\"http://x.example/\">now</a> &amp; save</p>").trim(),
            "Buy  http://x.example/ now  & save"
        );
        assert_eq!(text("Wr<!--x-->inkle<script>a<b</script>!"), "Wrinkle !");
        assert_eq!(text("a < b &#233;&bogus"), "a < b é&bogus");
        for junk in ["<", "<a href=", "<!--", "&#xFFFFFFFF;", "<script>"] {
            text(junk);
        }
    }
}
