//! Typed labels: a label value is an enum with a fixed set of values, a label set a struct of
//! them (or one value alone). Each set has an index below its cardinality, so a family keyed
//! by it finds its cell by indexing, with no hashing and no allocation.

/// A label value from a fixed set: `#[derive(LabelValue)]` on a field-less enum, one snake_case
/// value per variant.
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
