//! What the reports print, as blocks (headings, lines, tables), rendered as aligned plain text or as Markdown.
//!
//! A section is measured once into its own data, turned into [`Block`]s
//! once, and rendered either way: [`text`] prints every heading and line as
//! it is and pads table cells to their columns' widths (the report's
//! terminal output); [`markdown`] makes headings `#` lines, lines paragraphs
//! and tables pipe tables, with a table's notes after it.

use std::fmt::Write as _;

/// One piece of a report.
#[derive(Debug, Clone)]
pub enum Block {
    /// A title: the line as it is in text, a `#` heading of this level in Markdown.
    Heading(usize, String),
    /// A line of prose: as it is (indent included) in text, a paragraph in Markdown.
    Line(String),
    /// An empty line in text; nothing in Markdown (paragraphs are apart already).
    Blank,
    /// A table.
    Table(Table),
    /// Markdown only (nothing in text): a heading of this level.
    MarkdownHeading(usize, String),
    /// A shell command: the line as it is in text, a code block in Markdown.
    Code(String),
}

/// How a column's cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Padded on the right.
    Left,
    /// Padded on the left (numbers).
    Right,
}

/// A table column: its title, its width in characters in text (cells are
/// padded to it, never cut), and the spaces before it.
#[derive(Debug, Clone)]
pub struct Column {
    title: String,
    width: usize,
    align: Align,
    gap: usize,
}

impl Column {
    /// A left-aligned column `width` characters wide.
    pub fn left(title: &str, width: usize) -> Column {
        Column { title: title.to_string(), width, align: Align::Left, gap: 1 }
    }

    /// A right-aligned column `width` characters wide.
    pub fn right(title: &str, width: usize) -> Column {
        Column { title: title.to_string(), width, align: Align::Right, gap: 1 }
    }

    /// The same column, two spaces from the one before it (a group apart) in text.
    pub fn apart(self) -> Column {
        Column { gap: 2, ..self }
    }
}

#[derive(Debug, Clone)]
enum Row {
    Cells(Vec<String>),
    /// A line under the rows before it in text; after the table in Markdown.
    Note {
        text: String,
        markdown: String,
    },
}

/// A table: columns, then rows of cells and notes.
#[derive(Debug, Clone)]
pub struct Table {
    indent: String,
    columns: Vec<Column>,
    rows: Vec<Row>,
}

impl Table {
    /// An empty table whose text lines start with `indent`.
    pub fn new(indent: &str, columns: Vec<Column>) -> Table {
        Table { indent: indent.to_string(), columns, rows: Vec::new() }
    }

    /// Adds a row, one cell per column.
    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.columns.len(), "one cell per column");
        self.rows.push(Row::Cells(cells));
    }

    /// Adds a note: the line `text` as it is, under the rows so far in text;
    /// a paragraph after the table in Markdown.
    pub fn note(&mut self, text: String) {
        self.note_as(text.clone(), text.trim().to_string());
    }

    /// [`note`](Self::note) with another wording for Markdown, where the
    /// note stands apart from the rows it follows in text.
    pub fn note_as(&mut self, text: String, markdown: String) {
        self.rows.push(Row::Note { text, markdown });
    }

    fn text_line(&self, cells: &[String], out: &mut String) {
        out.push_str(&self.indent);
        for (i, (column, cell)) in self.columns.iter().zip(cells).enumerate() {
            if i > 0 {
                out.extend(std::iter::repeat_n(' ', column.gap));
            }
            let width = column.width;
            let _ = match column.align {
                Align::Left => write!(out, "{cell:<width$}"),
                Align::Right => write!(out, "{cell:>width$}"),
            };
        }
        out.push('\n');
    }

    /// The table as aligned text: the titles' line, then each row or note.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let titles: Vec<String> = self.columns.iter().map(|c| c.title.clone()).collect();
        self.text_line(&titles, &mut out);
        for row in &self.rows {
            match row {
                Row::Cells(cells) => self.text_line(cells, &mut out),
                Row::Note { text, .. } => {
                    out.push_str(text);
                    out.push('\n');
                }
            }
        }
        out
    }

    /// The table as a Markdown pipe table, its notes after it as paragraphs.
    pub fn markdown(&self) -> String {
        let line = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
        let mut out = line(self.columns.iter().map(|c| cell(&c.title)).collect());
        out.push_str(&line(
            self.columns
                .iter()
                .map(|c| match c.align {
                    Align::Left => ":---".to_string(),
                    Align::Right => "---:".to_string(),
                })
                .collect(),
        ));
        let mut notes = String::new();
        for row in &self.rows {
            match row {
                Row::Cells(cells) => out.push_str(&line(cells.iter().map(|c| cell(c)).collect())),
                Row::Note { markdown, .. } => {
                    let _ = write!(notes, "\n{}\n", paragraph(markdown));
                }
            }
        }
        out + &notes
    }
}

/// A table cell in Markdown: trimmed, its `|` escaped, never empty (an
/// empty cell would look like a missing one).
fn cell(s: &str) -> String {
    let s = s.trim();
    if s.is_empty() {
        " ".to_string()
    } else {
        inline(s).replace('|', "\\|")
    }
}

/// Text that Markdown shows as it is: `<` and `>` would open HTML.
fn inline(s: &str) -> String {
    s.replace('<', "&lt;").replace('>', "&gt;")
}

/// A line of prose as a Markdown paragraph: trimmed (a leading indent of
/// four would make it code), inline-escaped.
fn paragraph(s: &str) -> String {
    inline(s.trim())
}

/// The blocks as the report's text.
pub fn text(blocks: &[Block]) -> String {
    let mut out = String::new();
    for block in blocks {
        match block {
            Block::Heading(_, s) | Block::Line(s) | Block::Code(s) => {
                out.push_str(s);
                out.push('\n');
            }
            Block::Blank => out.push('\n'),
            Block::Table(t) => out.push_str(&t.text()),
            Block::MarkdownHeading(..) => {}
        }
    }
    out
}

/// The blocks as Markdown, each apart from the next by an empty line.
pub fn markdown(blocks: &[Block]) -> String {
    let mut out = String::new();
    for block in blocks {
        let piece = match block {
            Block::Heading(level, s) | Block::MarkdownHeading(level, s) => {
                format!("{} {}\n", "#".repeat(*level), paragraph(s))
            }
            Block::Line(s) => format!("{}\n", paragraph(s)),
            Block::Blank => continue,
            Block::Table(t) => t.markdown(),
            Block::Code(s) => format!("```sh\n{s}\n```\n"),
        };
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&piece);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Block> {
        let mut t = Table::new(
            "  ",
            vec![Column::left("name", 6), Column::right("Mpix/s", 8), Column::left("max|Δ|", 0).apart()],
        );
        t.row(vec!["a".into(), format!("{:.1}", 12.25), "<1".into()]);
        t.row(vec!["bb".into(), "-".into(), String::new()]);
        t.note("  note: a <b>".into());
        vec![
            Block::Heading(3, "title".into()),
            Block::MarkdownHeading(2, "only md".into()),
            Block::Table(t),
            Block::Blank,
            Block::Line("    indented".into()),
        ]
    }

    #[test]
    fn text_pads_cells_as_format_widths_do() {
        let want = format!(
            "title\n  {:<6} {:>8}  {:<0}\n  {:<6} {:>8.1}  {}\n  {:<6} {:>8}  \n  note: a <b>\n\n    indented\n",
            "name", "Mpix/s", "max|Δ|", "a", 12.25, "<1", "bb", "-"
        );
        assert_eq!(text(&sample()), want);
    }

    #[test]
    fn markdown_has_headings_pipe_tables_and_paragraphs() {
        let want = "### title\n\n## only md\n\n| name | Mpix/s | max\\|Δ\\| |\n| :--- | ---: | :--- |\n\
                    | a | 12.2 | &lt;1 |\n| bb | - |   |\n\nnote: a &lt;b&gt;\n\nindented\n";
        assert_eq!(markdown(&sample()), want);
    }
}
