//! Typed labels: a label value is an enum with a fixed set of values, a label set a struct of
//! them (or one value alone). Each set has an index below its cardinality, so a family keyed
//! by it finds its cell by indexing, with no hashing and no allocation.

/// A label value from a fixed set: `#[derive(LabelValue)]` on a field-less enum, one snake_case
/// value per variant.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a label value",
    label = "not a label value",
    note = "a label value is a field-less enum with `#[derive(LabelValue)]`; text needs a cap: `max_series = N` beside the label on `#[instrumented]`, or a declared `Counter<Dynamic>`"
)]
pub trait LabelValue: 'static {
    /// The label name when the value is used alone (`Counter<Command>` → `command`).
    const NAME: &'static str;
    /// Every value, in index order.
    const VALUES: &'static [&'static str];
    /// This value's index in `VALUES`.
    fn index(&self) -> usize;
}

/// A set of labels from fixed sets: `#[derive(LabelSet)]` on a struct of label values, or a
/// label value alone.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a label set",
    label = "not a label set",
    note = "a metric's labels are a field-less enum with `#[derive(LabelValue)]`, or a struct of them with `#[derive(LabelSet)]`"
)]
pub trait LabelSet: 'static {
    /// The label names, in order.
    const NAMES: &'static [&'static str];
    /// How many distinct sets there are.
    const CARDINALITY: usize;
    /// This set's index, below `CARDINALITY`.
    fn index(&self) -> usize;
    /// The values of the set at `index`, in `NAMES` order (read when series are created, never
    /// on the record path).
    fn values(index: usize) -> Vec<&'static str>;
}

/// No labels: one series.
impl LabelSet for () {
    const NAMES: &'static [&'static str] = &[];
    const CARDINALITY: usize = 1;

    #[inline]
    fn index(&self) -> usize {
        0
    }

    fn values(_: usize) -> Vec<&'static str> {
        Vec::new()
    }
}

/// What a declared metric's descriptor keeps of its label set.
#[derive(Debug, Clone, Copy)]
pub struct LabelInfo {
    /// The label names, in order.
    pub names: &'static [&'static str],
    /// How many sets there are: one cell each.
    pub cardinality: usize,
    /// The values of the set at an index.
    pub values: fn(usize) -> Vec<&'static str>,
}

/// The label info of `L`: one place where generated code names the bound, so a type that is no
/// label set is one error.
pub const fn label_info<L: LabelSet>() -> LabelInfo {
    LabelInfo {
        names: L::NAMES,
        cardinality: L::CARDINALITY,
        values: L::values,
    }
}

/// The label info of a label from data, `name`: no set is known before values arrive.
pub const fn dynamic_label(name: &'static [&'static str]) -> LabelInfo {
    LabelInfo {
        names: name,
        cardinality: 0,
        values: no_values,
    }
}

fn no_values(_: usize) -> Vec<&'static str> {
    Vec::new()
}
