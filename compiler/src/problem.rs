//! Every mistake the compiler reports, as data, and the one place that says
//! how each is shown.
//!
//! A check that finds a mistake builds a [`Problem`] variant holding what the
//! message needs (names, types, candidates, the spans of other places it
//! points at) and reports it at a span: `r.report(span, Problem::X { … })`.
//! No message text is written where the mistake is found. [`Problem::render`]
//! is the one function that turns a variant into its code, severity,
//! message, labels and help, so the wording of every diagnostic can be read
//! (and kept to the house rules: lower case, no final period, user text in
//! backticks) in this file alone. Gleam's `Error` enum with its
//! `to_diagnostic`, and Cedar's typed validation errors, are the model.
//!
//! A variant renders with exactly one [`Code`]; several variants may share a
//! code (every kind of unknown name is `bursar::unknown_name`). A new kind of
//! mistake is a new variant and its arm in `render`; a new code is a `Code`
//! variant, its place in `Code::ALL`, its row in docs/language.md's table
//! of codes, and a variant that renders it with an example in the tests
//! below (which hold the four together).
//!
//! Code written against the earlier API, `r.error(Code::X, span, message,
//! label).with_label(other, text).with_help(help)`, converts one to one: a
//! variant whose fields are the values the `format!`s read (and the span of
//! each other label), its arm here returning `error(Code::X, message,
//! label).label(other, text).help(help)`, and `r.report(span, Problem::…)`
//! where the mistake is found. A did-you-mean is carried as the closest
//! name (`names::closest`), not as text.

use bursar_grammar::ast::{BinaryOp, Span};
use bursar_grammar::{Found, DECLARATION_KEYWORDS};
use bursar_runtime::ir::Type;
use bursar_runtime::Money;

use crate::diagnostic::{Code, Severity};

/// Where a name that must be an applicant field was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FieldUse {
    /// `applicant.NAME`
    ApplicantPath,
    /// `history NAME` in the award rule.
    History,
    /// A key of `limit … per (KEY, …) ever`.
    HistoryKey,
}

impl FieldUse {
    fn hint(self) -> &'static str {
        match self {
            FieldUse::ApplicantPath => "`applicant.NAME` reads a field of the applicant",
            FieldUse::History => {
                "declare the past awards as a list field: `past_awards list of Award`"
            }
            FieldUse::HistoryKey => "a key is a field of the applicant and of the past awards",
        }
    }
}

/// Why a value must have the type it was checked against: the help of a
/// type mismatch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Why {
    /// The condition of an `if`.
    IfCondition,
    /// Both branches of an `if`.
    IfBranches,
    /// A `require`, `when` or `unless` line.
    Condition,
    /// A category's `pay`.
    CategoryPays,
    /// An operand of `and` or `or`.
    JoinConditions,
    /// The right side of `??`.
    FieldDefault,
    /// The operand of `not`.
    NotCondition,
    /// The argument of `year`, `month` or `day`.
    DateArgument,
    /// The arguments of `min` and `max`.
    MinMaxArguments,
    /// The arms of a `match`.
    MatchArms,
    /// A table's key in `table[key]`.
    LookupKey,
    /// The `deadline` or `opens` of the application block.
    Deadline,
    /// The condition after `where`.
    WhereCondition,
    /// The condition of `all … where`.
    AllWhereCondition,
    /// A quota's order key written without `earliest`, `latest`, … .
    RankCondition,
}

impl Why {
    fn text(self) -> &'static str {
        match self {
            Why::IfCondition => "an `if` tests a condition",
            Why::IfBranches => "both branches of an `if` must have the same type",
            Why::Condition => "a condition must be true or false",
            Why::CategoryPays => "a category pays an amount of money",
            Why::JoinConditions => "`and` and `or` join conditions",
            Why::FieldDefault => "the default must have the field's type",
            Why::NotCondition => "`not` applies to a condition",
            Why::DateArgument => "this function takes a date",
            Why::MinMaxArguments => "`min` and `max` compare values of one type",
            Why::MatchArms => "every arm of a `match` must give the same type",
            Why::LookupKey => "a table is looked up by its key type",
            Why::Deadline => "the deadline is a date",
            Why::WhereCondition => "`where` takes a condition on the item",
            Why::AllWhereCondition => "`all … where` takes a condition on the item",
            Why::RankCondition => {
                "a key without `earliest`, `latest`, `highest` or `lowest` is a condition: those for whom it holds come first"
            }
        }
    }
}

/// A kind of declaration (or part of one), as a message names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decl {
    SchemeHeader,
    ApplicantRecord,
    AwardRule,
    ApplicationBlock,
    Timeline,
    Setting,
    Enum,
    EnumValue,
    Record,
    Field,
    Table,
    Category,
    /// A named value (`let`), which shares its names with fields.
    Name,
    Quota,
    Payer,
    Calendar,
    /// The `rounds` block.
    Rounds,
    /// One round of it.
    Round,
}

impl std::fmt::Display for Decl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Decl::SchemeHeader => "scheme header",
            Decl::ApplicantRecord => "applicant record",
            Decl::AwardRule => "award rule",
            Decl::ApplicationBlock => "application block",
            Decl::Timeline => "timeline",
            Decl::Quota => "quota",
            Decl::Payer => "payer",
            Decl::Calendar => "calendar",
            Decl::Rounds => "rounds block",
            Decl::Round => "round",
            Decl::Setting => "setting",
            Decl::Enum => "enum",
            Decl::EnumValue => "enum value",
            Decl::Record => "record",
            Decl::Field => "field",
            Decl::Table => "table",
            Decl::Category => "category",
            Decl::Name => "name",
        })
    }
}

/// Why a date literal is not a date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DateFault {
    /// The day is past the end of its month.
    PastMonthEnd { year: u32, month: u32, days: u32 },
    /// The month is not 1 to 12.
    NoMonth(u32),
    /// Not three numbers.
    Shape,
}

/// One mistake in a policy, with what its message needs. See the module
/// documentation; `render` says how each is shown.
#[derive(Clone, Debug)]
pub(crate) enum Problem {
    // ---------------------------------------------------------- syntax
    /// The parser expected something else here.
    Unexpected {
        expected: Vec<String>,
        found: Found,
    },
    /// Full-width punctuation outside text.
    FullWidth {
        found: char,
        ascii: &'static str,
    },
    UnterminatedString,
    UnterminatedComment,
    /// Brackets nested deeper than the parser reads.
    BracketsTooDeep {
        limit: usize,
    },
    /// An integer literal beyond 64 bits.
    IntegerTooLarge,
    /// Reading stopped after this many syntax errors.
    TooManySyntaxErrors {
        limit: usize,
    },

    // ------------------------------------------------------ characters
    /// An invisible character inside quoted text (a warning).
    InvisibleInText {
        found: char,
    },
    /// An invisible character outside quoted text.
    InvisibleInCode {
        found: char,
    },
    /// Two declared names that look alike in different scripts; the
    /// problem is reported at the odd one out.
    Confusable {
        suspect: String,
        model: String,
        model_span: Span,
        /// The two names in the order they were compared.
        names: [String; 2],
    },

    // ----------------------------------------------------- inheritance
    /// A second `extends`.
    TwoParents {
        first: Span,
    },
    /// The loader could not read a parent.
    CannotRead {
        path: String,
        reason: String,
    },
    /// Policies that extend each other.
    ExtendsCycle {
        chain: Vec<String>,
    },
    /// A child declares again a record its parent declared.
    RecordInParent {
        name: String,
        parent: Span,
    },
    /// A child declares again an enum its parent declared.
    EnumInParent {
        name: String,
        parent: Span,
    },
    /// A child declares again a table its parent declared.
    TableInParent {
        name: String,
        parent: Span,
    },
    /// A child declares again a category its parent declared.
    CategoryInParent {
        name: String,
        parent: Span,
    },
    /// `extend` adds a field the parent has; `record` is `None` for the
    /// applicant.
    FieldInParent {
        record: Option<String>,
        field: String,
        parent: Span,
    },
    /// `extend table` adds a row the parent has.
    RowInParent {
        table: String,
        row: String,
        parent: Span,
    },
    /// `extend enum` adds a value the parent has.
    ValueInParent {
        name: String,
        value: String,
        parent: Span,
    },
    /// `extend` or `remove` of something the parent does not declare.
    NothingToChange {
        what: Decl,
        name: String,
    },
    /// `remove row` of a row the parent's table does not have.
    NoRowToRemove {
        table: String,
        row: String,
        rows: Vec<String>,
        suggestion: Option<String>,
    },
    /// `remove deadline` when the parent has none.
    NoDeadlineToRemove,
    /// `remove category` of a category the parent does not have.
    NoCategoryToRemove {
        name: String,
        categories: Vec<String>,
        suggestion: Option<String>,
    },
    /// `remove when …` of a condition the parent does not have.
    NoConditionToRemove,
    /// `override table` of a table the parent does not have.
    NoTableToOverride {
        name: String,
        tables: Vec<String>,
        suggestion: Option<String>,
    },
    /// `override table` of a row the parent's table does not have.
    NoRowToOverride {
        table: String,
        row: String,
        rows: Vec<String>,
        suggestion: Option<String>,
    },
    /// `override category` of a category the parent does not have.
    NoCategoryToOverride {
        name: String,
        categories: Vec<String>,
        suggestion: Option<String>,
    },
    /// `override`/`extend` (`word`) in a policy that extends nothing.
    NoParentToChange {
        word: &'static str,
    },
    /// `remove …` in a policy that extends nothing.
    NoParentToRemove,

    // ---------------------------------------------------- declarations
    NoHeader,
    NoApplicant,
    NoCategory,
    NoAward,
    /// A declaration a policy has once, again.
    SecondDeclaration {
        what: Decl,
    },
    /// Two declarations of one kind with one name.
    Duplicate {
        what: Decl,
        name: String,
        first: Span,
    },
    /// A list of a record that is not declared.
    UnknownRecord {
        name: String,
        suggestion: Option<String>,
    },
    /// A type that does not exist; `is_record` when the name is a record.
    UnknownType {
        name: String,
        is_record: bool,
        suggestion: Option<String>,
    },
    /// A citation of a clause that is not declared.
    UnknownClause {
        id: String,
        suggestion: Option<String>,
    },
    UnusedField {
        name: String,
    },
    UnusedTable {
        name: String,
    },
    UnusedRow {
        table: String,
        row: String,
    },
    /// A `currency` that is not an ISO 4217 code; `suggestion` is the
    /// closest code to it in capitals.
    NotCurrencyCode {
        written: String,
        suggestion: Option<String>,
    },
    /// A header setting that does not exist; `keys` are those that do.
    UnknownHeaderSetting {
        name: String,
        keys: &'static [&'static str],
        suggestion: Option<String>,
    },
    NoCurrency,
    /// A setting (`key`) that must be text.
    SettingNotText {
        key: String,
    },
    /// A setting (`key`) that must be a date.
    SettingNotDate {
        key: String,
    },
    PeriodBackwards {
        start: chrono::NaiveDate,
        end: chrono::NaiveDate,
    },
    PeriodNotRange,
    /// An enum named like a built-in type.
    BuiltinTypeName {
        name: String,
    },
    EmptyEnum {
        name: String,
    },
    EnumTooLarge {
        name: String,
    },
    ClauseTwice {
        id: String,
        first: Span,
    },
    /// A table keyed by a type other than `int` or an enum.
    BadTableKey {
        ty: String,
    },
    RowTwice {
        table: String,
        row: String,
        first: Span,
    },
    /// A row of a table keyed by an enum whose name is not a value of it.
    UnknownRowKey {
        key: String,
        enum_name: String,
        values: Vec<String>,
        suggestion: Option<String>,
    },
    /// A numbered row in a table of named rows.
    UnnamedRow {
        value: i64,
        table: String,
    },
    /// A row whose key is not of the table's key type.
    WrongRowKey {
        table: String,
        ty: String,
    },
    /// A row of a table of rates or counts that is not a number of its type.
    RowNotOfTableType {
        table: String,
        want: String,
        got: String,
    },
    RowNotAmount,
    RowCycle {
        row: String,
    },
    /// A `when` that is always false.
    AlwaysFalse,
    /// A `when` that contradicts an earlier line about `field`.
    ContradictsEarlierLine {
        field: String,
        earlier: Span,
    },
    NoPay {
        category: String,
    },
    PaysTwice {
        category: String,
        first: Span,
    },
    SecondLimit,
    /// A limit out of range; `group` names the group of a group's limit.
    LimitOutOfRange {
        group: Option<String>,
    },
    UnknownLimitScope {
        scope: String,
        suggestion: Option<String>,
    },
    SecondChoose,
    TiesUnbroken,
    NoLimit,
    NoChoose,
    UnknownCriterion {
        name: String,
        criteria: &'static [&'static str],
        suggestion: Option<String>,
    },
    /// An enum field of the applicant's choice with a value that names no
    /// category.
    ChoiceNotCategory {
        field: String,
        value: String,
        categories: Vec<String>,
        suggestion: Option<String>,
    },
    /// A choice field of a type that cannot name a category.
    ChoiceWrongType {
        field: String,
        ty: String,
    },
    SecondGroup {
        name: String,
    },
    EmptyGroup {
        name: String,
    },
    UnknownCategory {
        name: String,
        categories: Vec<String>,
        suggestion: Option<String>,
    },
    CategoryInTwoGroups {
        category: String,
        group: String,
    },
    /// `received` or `identifier` (`key`) naming no applicant field.
    SettingNotField {
        key: String,
        suggestion: Option<String>,
    },
    ReceivedNotDate,
    UnknownApplicationSetting {
        name: String,
        keys: &'static [&'static str],
        suggestion: Option<String>,
    },
    NoReceived,
    StepTwice {
        name: String,
    },
    /// A step counted from a step that is not declared before it.
    UnknownStep {
        name: String,
        steps: Vec<String>,
        suggestion: Option<String>,
    },
    StepNotDuration,

    // ----------------------------------------------------- expressions
    /// An optional value read where it may be absent; `text` is how it is
    /// written.
    OptionalRead {
        text: String,
    },
    /// An expression nested deeper than the runtime evaluates.
    ExpressionTooDeep {
        max: usize,
    },
    SetOutsideIn,
    PresenceOfNonField,
    /// `x is present` of a field that is never absent (a warning).
    NeverAbsent {
        name: String,
    },
    /// A named list of items read as one value.
    ListAsValue {
        name: String,
    },
    /// A whole table read as an amount.
    TableAsValue {
        table: String,
        first_row: String,
    },
    /// A single name that is nothing; `wanted_enum` is the enum a value of
    /// which was expected, `has_fields` whether the applicant has any.
    UnknownName {
        name: String,
        wanted_enum: Option<String>,
        has_fields: bool,
        suggestion: Option<String>,
    },
    NoWrittenDeadline,
    NoPeriod,
    UnknownPeriodPart {
        part: String,
    },
    UnknownRow {
        table: String,
        row: String,
        rows: Vec<String>,
        suggestion: Option<String>,
    },
    /// `Enum.value` with a value the enum does not have.
    UnknownEnumValue {
        value: String,
        enum_name: String,
        values: Vec<String>,
        suggestion: Option<String>,
    },
    FieldHasNoParts {
        field: String,
    },
    UnknownTableOrEnum {
        name: String,
        suggestion: Option<String>,
    },
    TooManyParts,
    /// A bare value of two enums.
    AmbiguousValue {
        name: String,
        a: String,
        b: String,
    },
    InvalidDate {
        text: String,
        fault: DateFault,
    },
    ThousandsSeparators {
        amount: String,
        unit: String,
    },
    ForeignCurrency {
        unit: String,
        currency: String,
    },
    /// An amount that does not parse; `reason` is the runtime's.
    InvalidAmount {
        amount: String,
        reason: String,
    },
    TooManyDigits {
        text: String,
    },
    /// An amount with fractions of a fen where money is wanted.
    Unrounded {
        text: String,
    },
    /// A value of type `found` where `want` is needed.
    Expected {
        want: String,
        found: String,
        why: Why,
    },
    /// Values that must share a type and do not; `first` is the first one.
    Differs {
        first_ty: String,
        ty: String,
        first: Span,
        why: Why,
    },
    DefaultOfNonField,
    /// An ordering comparison of values with no order.
    Unordered {
        op: BinaryOp,
        ty: String,
    },
    /// An `and` whose right side contradicts its left about `field`.
    ContradictsLeft {
        field: String,
        earlier: Span,
    },
    /// Operands of `op` that do not go together; reported at the right one.
    Operands {
        op: BinaryOp,
        left: Type,
        right: Type,
        left_name: String,
        right_name: String,
        left_span: Span,
    },
    SetMemberType {
        set_ty: String,
        member_ty: String,
    },
    SetMemberNotLiteral,
    EmptySet,
    NoRanges {
        ty: String,
    },
    /// A range bound of another type than the value tested.
    BoundType {
        value_ty: String,
        bound_ty: String,
    },
    UnboundedRange,
    /// A range with nothing in it; `equal_bounds` holds the bounds of
    /// `a..a`, `None` when they are the wrong way round.
    EmptyRange {
        text: String,
        equal_bounds: Option<(String, String)>,
    },
    InNeedsSet,
    CannotNegate {
        ty: String,
    },

    // ----------------------------------------------------------- lists
    /// A list field in a record.
    ListInItem,
    WhereNotAfterList,
    /// Something that is not a list where one is expected; `lists` are the
    /// lists there are.
    NotAList {
        name: Option<String>,
        lists: Vec<String>,
        suggestion: Option<String>,
    },
    AllWithoutCondition,
    NestedList,
    NotAggregate {
        name: String,
        suggestion: Option<String>,
    },
    CountOf,
    AggregateOfWhat {
        func: String,
    },
    CannotSum {
        ty: String,
    },
    /// `min` or `max` (`func`) of values with no order.
    NotOrdered {
        func: String,
        ty: String,
    },
    /// `min`/`max` of items where none may qualify; `list` and `filter`
    /// as written.
    MaybeEmpty {
        text: String,
        list: String,
        filter: Option<String>,
    },

    // ------------------------------------------------------ award history
    HistoryTwice,
    /// `limit N per (keys)` without `ever`.
    HistoryKeysWithoutEver,
    HistoryLimitRange,
    /// A limit over the history in an award rule with no `history` line.
    HistoryMissing,
    HistoryNotList {
        name: String,
    },
    HistoryKeyNotInRecord {
        name: String,
        record: String,
        suggestion: Option<String>,
    },
    HistoryOptionalKey {
        name: String,
    },
    HistoryKeyTypes {
        name: String,
        applicant: String,
        record: String,
        item: String,
    },
    HistoryWholeYears,
    HistoryNoPeriod,
    HistoryYearNotInt {
        record: String,
        ty: String,
    },
    HistoryNoYear {
        record: String,
    },
    /// `per ever`, `per year`: a scope that belongs to a limit over history.
    HistoryScope {
        scope: String,
    },
    /// A name that must be an applicant field and is none; `named_as`
    /// says where, for the help when nothing is close.
    UnknownApplicantField {
        name: String,
        suggestion: Option<String>,
        named_as: FieldUse,
    },

    // ---------------------------------------------------------- calendars
    /// `calendar` in the header, not naming a calendar.
    CalendarSettingNotName,
    /// A child's `calendar NAME` already declared by its parent.
    CalendarDeclaredByParent {
        name: String,
        parent: Span,
    },
    /// `extend calendar NAME` with no such calendar.
    NoCalendarToExtend {
        name: String,
        known: Vec<String>,
        suggestion: Option<String>,
    },
    UnknownCalendar {
        name: String,
        known: Vec<String>,
        suggestion: Option<String>,
    },
    /// Several calendars and no choice in the header.
    CalendarNotChosen {
        first: String,
        first_span: Span,
    },
    UnusedCalendar {
        name: String,
    },
    CalendarNoYears {
        name: String,
    },
    CalendarYearsTwice {
        name: String,
        first: Span,
    },
    CalendarYearOutOfRange,
    CalendarYearsBackwards {
        first: i32,
        last: i32,
    },
    CalendarDaysBackwards {
        from: String,
        to: String,
    },
    CalendarDaysTooLong {
        from: String,
        to: String,
    },
    CalendarDaysOutside {
        from: String,
        name: String,
        covers: String,
    },
    MakeUpOnWeekday {
        day: String,
        weekday: String,
    },
    DayBothHolidayAndWorkday {
        day: String,
        first: Span,
    },
    DayListedTwice {
        day: String,
        name: String,
        first: Span,
    },
    CalendarDoesNotCover {
        counted: String,
        name: String,
        covers: String,
        years: Option<Span>,
        add: String,
    },

    // ------------------------------------------------------------- quotas
    /// A `quota` or `budget` line inside `award` or a category, or a
    /// top-level `quota` not written as a declaration.
    QuotaNotTopLevel,
    /// A `payer` inside `award` or a category: payers are top-level
    /// declarations.
    PayerNotTopLevel,
    /// A quota in a scheme whose application names no required text
    /// identifier.
    QuotaNeedsIdentifier,
    /// A quota with neither `places` nor `budget`.
    QuotaNoRation {
        quota: String,
    },
    /// A second `places` or `budget` line.
    QuotaTwoRations,
    /// A quota of places, or a budget paid in order, with no `by` line.
    QuotaNoOrder {
        quota: String,
    },
    /// A second `by` line.
    QuotaTwoOrders,
    /// `places` beyond a whole number from 0.
    BadPlaces,
    /// A lottery seed below zero.
    BadSeed,
    /// More keys in a `by` line than allocation keeps.
    TooManyRankKeys {
        max: usize,
    },
    /// A budget below zero.
    NegativeBudget,
    /// A payer with no `pay matching` line.
    PayerNoPay {
        payer: String,
    },
    /// A second `pay matching` line in a payer.
    PayerTwoPays,
    /// `matching A:B` with a side of zero, or too large.
    BadRatio,
    /// A payer named `scheme`, the name of the scheme's own share.
    PayerNamedScheme,
    /// Payers in a scheme with quotas: a quota rations the scheme's own
    /// award, and what a top-up on a rationed award is, is not built.
    PayerWithQuota,
    /// Payers in a scheme with rounds: whether a payer's cap holds per
    /// round or per period, and in which window a top-up is paid, is not
    /// decided.
    PayerWithRounds,
    /// Payers in a scheme whose categories pay in instalments: whether a
    /// top-up follows the stages, and when it is paid, is not decided.
    PayerWithInstalments,

    // ------------------------------------------------------------- rounds
    /// `round.date` and the like in a scheme without rounds.
    NoRounds,
    /// `round.x` for an `x` a round does not have.
    UnknownRoundPart {
        part: String,
    },
    /// A `rounds` block with no round in it.
    EmptyRounds,
    /// A round whose payment window ends before it starts.
    RoundWindowBackwards {
        round: String,
    },
    /// A round that pays less than nothing.
    NegativeRoundAmount,
    /// Rounds and quotas in one scheme.
    RoundsWithQuotas,

    // -------------------------------------------------------- instalments
    /// A category with `instalments` and a `pay` line, or two
    /// `instalments` blocks.
    InstalmentsAndPay {
        category: String,
        first: Span,
    },
    /// An `instalments` block with no stage.
    EmptyInstalments,
    /// A stage of less than nothing.
    NegativeInstalment,
    /// `after FIELD` where the field is not an optional date field.
    InstalmentAfter {
        field: String,
    },
    /// Stages that add up to more than an amount can hold.
    InstalmentsTooLarge,
    /// `earliest`, `latest`, `highest` or `lowest` of a value it does not
    /// order.
    RankDirection {
        word: &'static str,
        ty: String,
    },
    /// A datetime literal whose day exists but whose time does not.
    InvalidTime {
        text: String,
        day: String,
    },
    /// A function given the wrong number of arguments; `takes` and
    /// `example` come from its entry in the table of builtins.
    Arity {
        func: String,
        takes: &'static str,
        given: usize,
        example: &'static str,
    },

    // ------------------------------------------ lookups, match, builtins
    LookupNotTable,
    UnknownTable {
        name: String,
        suggestion: Option<String>,
    },
    NamedRowsLookup {
        table: String,
        first_row: String,
    },
    /// A lookup whose key may be a value with no row.
    MissingRows {
        table: String,
        key: String,
        missing: Vec<String>,
    },
    MatchNoArms,
    MatchMissing {
        text: String,
        missing: Vec<String>,
    },
    /// A pattern of the kind `what` against a value of type `ty`.
    PatternType {
        what: &'static str,
        ty: String,
    },
    UnknownPatternValue {
        value: String,
        enum_name: String,
        values: Vec<String>,
        suggestion: Option<String>,
    },
    EmptyPatternRange {
        text: String,
    },
    UnknownFunction {
        name: String,
        suggestion: Option<String>,
    },
    UnknownRoundUnit {
        found: String,
        example: &'static str,
        suggestion: Option<String>,
    },
    UnknownRoundMode {
        found: String,
        example: &'static str,
        suggestion: Option<String>,
    },
    RoundNotAmount {
        ty: String,
    },
    /// A `pay` that may be below zero; `lowest` is how low, when known.
    NegativePayout {
        category: String,
        lowest: Option<Money>,
        currency: String,
    },
}

/// A problem as shown: what [`Problem::render`] gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Rendered {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// The text at the span the problem is reported at.
    pub label: String,
    /// Other places, each with its text.
    pub labels: Vec<(Span, String)>,
    pub help: Option<String>,
}

fn error(code: Code, message: impl Into<String>, label: impl Into<String>) -> Rendered {
    Rendered {
        code,
        severity: Severity::Error,
        message: message.into(),
        label: label.into(),
        labels: Vec::new(),
        help: None,
    }
}

fn warning(code: Code, message: impl Into<String>, label: impl Into<String>) -> Rendered {
    Rendered {
        severity: Severity::Warning,
        ..error(code, message, label)
    }
}

impl Rendered {
    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    fn label(mut self, span: Span, text: impl Into<String>) -> Self {
        self.labels.push((span, text.into()));
        self
    }
}

/// `did you mean `x`?`
pub(crate) fn did_you_mean(name: &str) -> String {
    format!("did you mean `{name}`?")
}

/// The help for a mistyped name: the close name if there is one, else
/// `otherwise`.
fn suggest(suggestion: &Option<String>, otherwise: impl FnOnce() -> String) -> String {
    suggestion.as_deref().map_or_else(otherwise, did_you_mean)
}

/// `a`, `b` or `c`
pub(crate) fn list<S: AsRef<str>>(items: &[S]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{}`", i.as_ref())).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// `a, b or c`, unquoted.
fn join_or(items: &[String]) -> String {
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

impl Problem {
    /// The one rendering of every problem: its code, severity, message,
    /// labels and help.
    pub(crate) fn render(&self) -> Rendered {
        use Problem as P;
        match self {
            // ------------------------------------------------------ syntax
            P::Unexpected { expected, found } => {
                let found_text = match found {
                    Found::Eof => "the end of the file".to_string(),
                    Found::Char(c) => format!("`{c}`"),
                    Found::Word(w) => format!("`{w}`"),
                };
                let expected_text = join_or(expected);
                let expects_declaration = expected
                    .iter()
                    .any(|e| e.starts_with("a declaration") || e == "`scheme`");
                let message = if expected_text.is_empty() {
                    format!("unexpected {found_text}")
                } else {
                    format!("expected {expected_text}, found {found_text}")
                };
                let help = match found {
                    // Not a misspelt `pay`: a planned declaration out of place.
                    Found::Word(w) if crate::syntax::PLANNED.contains(&w.as_str()) => format!(
                        "`{w}` is planned with issue #14's work (allocation and time); it goes at the top level, in `award` or in a category (docs/language.md)"
                    ),
                    Found::Word(w) => match crate::names::closest(w, crate::syntax::KEYWORDS) {
                        Some(k) => did_you_mean(k),
                        None if DECLARATION_KEYWORDS.contains(&w.as_str()) && !expects_declaration => {
                            format!("a new `{w}` starts here, so the block above it is not finished: look for a missing `}}`")
                        }
                        None if crate::syntax::KEYWORDS.contains(&w.as_str()) => {
                            format!("`{w}` is a keyword and cannot be used as a name")
                        }
                        None => "check the line against docs/language.md".to_string(),
                    },
                    Found::Eof => {
                        "a block or expression is unfinished: look for a missing `}` or value"
                            .to_string()
                    }
                    Found::Char('\'') => "strings use double quotes: \"…\"".to_string(),
                    Found::Char(_) => {
                        "remove the character, or check the line against docs/language.md"
                            .to_string()
                    }
                };
                error(Code::Syntax, message, "unexpected here").help(help)
            }
            P::FullWidth { found, ascii } => error(
                Code::FullWidthPunctuation,
                format!("full-width `{found}` where `{ascii}` is expected"),
                "full-width punctuation",
            )
            .help(format!(
                "outside strings and comments the language uses ASCII punctuation: replace `{found}` with `{ascii}`"
            )),
            P::UnterminatedString => error(
                Code::UnterminatedString,
                "unterminated string",
                "this string is never closed",
            )
            .help("add the closing `\"`; a `\"` inside a string is written `\\\"`"),
            P::UnterminatedComment => error(
                Code::UnterminatedComment,
                "unterminated comment",
                "this comment is never closed",
            )
            .help("close it with `*/`"),
            P::BracketsTooDeep { limit } => error(
                Code::TooDeep,
                format!("brackets nest deeper than {limit} levels"),
                "too deep",
            )
            .help("split the expression into smaller conditions"),
            P::IntegerTooLarge => error(
                Code::NumberTooLarge,
                "number too large",
                "does not fit in 64 bits",
            )
            .help("numbers must be below 9223372036854775808"),
            P::TooManySyntaxErrors { limit } => error(
                Code::Syntax,
                format!("more than {limit} syntax errors: reading stopped"),
                "and more from here",
            )
            .help("fix the mistakes above and check again"),

            // -------------------------------------------------- characters
            P::InvisibleInText { found } => warning(
                Code::InvisibleCharacter,
                invisible_message(*found),
                "in this text",
            )
            .help(format!(
                "{}; delete it unless the text needs it",
                invisible_shows(*found)
            )),
            P::InvisibleInCode { found } => error(
                Code::InvisibleCharacter,
                invisible_message(*found),
                "outside quoted text",
            )
            .help(format!(
                "{}, so two names that look the same could differ, or a line could \
                     show other code than it holds; delete it",
                invisible_shows(*found)
            )),
            P::Confusable {
                suspect,
                model,
                model_span,
                names,
            } => warning(
                Code::ConfusableName,
                format!("`{suspect}` looks like `{model}`"),
                "written with letters of another script",
            )
            .label(*model_span, "the name it looks like")
            .help(format!(
                "{}; rename one of them so that they look different",
                names
                    .iter()
                    .map(|n| crate::unicode::spelled(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),

            // ------------------------------------------------- inheritance
            P::TwoParents { first } => error(
                Code::DuplicateName,
                "a policy extends one parent",
                "a second `extends`",
            )
            .label(*first, "the first")
            .help("a chain works: let the parent extend its own parent"),
            P::CannotRead { path, reason } => {
                error(Code::UnknownName, format!("cannot read `{path}`"), reason)
                    .help("the path is relative to this file")
            }
            P::ExtendsCycle { chain } => error(
                Code::Cycle,
                "policies extend each other in a circle",
                chain.join(" extends "),
            )
            .help("a policy cannot be its own ancestor"),
            P::RecordInParent { name, parent } => error(
                Code::DuplicateName,
                format!("record `{name}` is already declared by the parent"),
                "declared again",
            )
            .label(*parent, "the parent's")
            .help(format!(
                "to add fields, write `extend record {name} {{ … }}`"
            )),
            P::EnumInParent { name, parent } => error(
                Code::DuplicateName,
                format!("enum `{name}` is already declared by the parent"),
                "declared again",
            )
            .label(*parent, "the parent's")
            .help("enums are inherited as they are"),
            P::TableInParent { name, parent } => error(
                Code::DuplicateName,
                format!("table `{name}` is already declared by the parent"),
                "declared again",
            )
            .label(*parent, "the parent's")
            .help(format!(
                "to change its rows, write `override table {name} {{ … }}`"
            )),
            P::CategoryInParent { name, parent } => error(
                Code::DuplicateName,
                format!("category `{name}` is already declared by the parent"),
                "declared again",
            )
            .label(*parent, "the parent's")
            .help(format!(
                "to change it, write `override category {name} {{ … }}`"
            )),
            P::FieldInParent {
                record,
                field,
                parent,
            } => {
                let owner = match record {
                    Some(r) => format!("record `{r}`"),
                    None => "the applicant".to_string(),
                };
                error(
                    Code::DuplicateName,
                    format!("{owner} already has a field `{field}`"),
                    "declared again",
                )
                .label(*parent, "the parent's")
                .help("a field keeps the type its parent gave it; add new fields under new names")
            }
            P::RowInParent { table, row, parent } => error(
                Code::DuplicateName,
                format!("table `{table}` already has a row `{row}`"),
                "added again",
            )
            .label(*parent, "the parent's")
            .help(format!(
                "to change it, write `override table {table} {{ {row} = … }}`"
            )),
            P::ValueInParent {
                name,
                value,
                parent,
            } => error(
                Code::DuplicateName,
                format!("enum `{name}` already has `{value}`"),
                "added again",
            )
            .label(*parent, "the parent's"),
            P::NothingToChange { what, name } => error(
                Code::UnknownName,
                format!("the parent has no {what} `{name}`"),
                "nothing to change",
            )
            .help(format!(
                "`extend` and `remove` change what the parent declared; declare a new {what} without them"
            )),
            P::NoRowToRemove {
                table,
                row,
                rows,
                suggestion,
            } => error(
                Code::UnknownName,
                format!("table `{table}` has no row `{row}`"),
                "nothing to remove",
            )
            .help(suggest(suggestion, || format!("its rows: {}", rows.join(", ")))),
            P::NoDeadlineToRemove => error(
                Code::UnknownName,
                "the parent has no deadline",
                "nothing to remove",
            )
            .help("`remove deadline` drops the `deadline` of the parent's `application` block"),
            P::NoCategoryToRemove {
                name,
                categories,
                suggestion,
            } => error(
                Code::UnknownName,
                format!("the parent has no category `{name}`"),
                "nothing to remove",
            )
            .help(suggest(suggestion, || {
                format!("the parent's categories: {}", categories.join(", "))
            })),
            P::NoConditionToRemove => error(
                Code::UnknownName,
                "the parent has no such condition",
                "nothing to remove",
            )
            .help("write the condition as the parent does (white space may differ)"),
            P::NoTableToOverride {
                name,
                tables,
                suggestion,
            } => error(
                Code::UnknownName,
                format!("the parent has no table `{name}`"),
                "nothing to override",
            )
            .help(suggest(suggestion, || {
                format!("the parent's tables: {}", tables.join(", "))
            })),
            P::NoRowToOverride {
                table,
                row,
                rows,
                suggestion,
            } => error(
                Code::UnknownName,
                format!("table `{table}` has no row `{row}` to override"),
                "not a row of the parent's table",
            )
            .help(suggest(suggestion, || format!("its rows: {}", rows.join(", ")))),
            P::NoCategoryToOverride {
                name,
                categories,
                suggestion,
            } => error(
                Code::UnknownName,
                format!("the parent has no category `{name}`"),
                "nothing to override",
            )
            .help(suggest(suggestion, || {
                format!("the parent's categories: {}", categories.join(", "))
            })),
            P::NoParentToChange { word } => error(
                Code::Unsupported,
                format!("nothing to {word}"),
                "this policy extends no other",
            )
            .help(format!(
                "`{word}` changes what a parent declared: start the file with `extends \"parent.bursar\"`, or drop `{word}`"
            )),
            P::NoParentToRemove => error(
                Code::Unsupported,
                "nothing to remove",
                "this policy extends no other",
            )
            .help("`remove` drops what a parent declared: start the file with `extends \"parent.bursar\"`"),

            // ------------------------------------------------ declarations
            P::NoHeader => error(
                Code::Missing,
                "the policy has no `scheme` header",
                "a header is expected in this file",
            )
            .help("start the file with `scheme my_scheme { title \"…\" currency CNY }`"),
            P::NoApplicant => error(
                Code::Missing,
                "the policy has no `applicant` record",
                "the applicant's fields are declared nowhere",
            )
            .help("declare the fields the rules read: `applicant { member_card bool \"持有会员卡\" }`"),
            P::NoCategory => error(
                Code::Missing,
                "the policy has no `category`",
                "nothing can be paid",
            )
            .help("add `category name \"label\" { when … pay … }`"),
            P::NoAward => error(
                Code::Missing,
                "the policy has no `award` rule",
                "how many payouts a person gets is not said",
            )
            .help("add `award { limit 1 per period  choose highest_amount then first_declared }`"),
            P::SecondDeclaration { what } => error(
                Code::DuplicateName,
                format!("a second {what}"),
                format!("the {what} is declared again here"),
            )
            .help(format!("a policy has one {what}; merge the two")),
            P::Duplicate { what, name, first } => error(
                Code::DuplicateName,
                format!("{what} `{name}` is declared twice"),
                "declared again here",
            )
            .label(*first, "first declared here")
            .help(format!("rename one of them or remove the second {what}")),
            P::UnknownRecord { name, suggestion } => error(
                Code::UnknownType,
                format!("unknown record `{name}`"),
                "not a record",
            )
            .help(suggest(suggestion, || {
                format!("declare the items first: `record {name} {{ level int … }}`")
            })),
            P::UnknownType {
                name,
                is_record,
                suggestion,
            } => {
                let help = if *is_record {
                    format!("`{name}` is a record: a field holds a `list of {name}`")
                } else {
                    suggest(suggestion, || {
                        "types are `bool`, `int`, `decimal`, `money`, `date`, `datetime`, `text`, or an `enum` declared in the policy".into()
                    })
                };
                error(
                    Code::UnknownType,
                    format!("unknown type `{name}`"),
                    "not a type",
                )
                .help(help)
            }
            P::UnknownClause { id, suggestion } => {
                let help = match suggestion {
                    Some(best) => format!("did you mean `§{best}`?"),
                    None => format!("declare it with `clause §{id} \"…the text of the notice…\"`"),
                };
                error(
                    Code::UnknownClause,
                    format!("clause `§{id}` is not declared"),
                    "cited here",
                )
                .help(help)
            }
            P::UnusedField { name } => warning(
                Code::Unused,
                format!("field `{name}` is never read"),
                "declared here",
            )
            .help("remove it, or use it in a condition; an identifier field is named with `identifier` in the `application` block"),
            P::UnusedTable { name } => warning(
                Code::Unused,
                format!("table `{name}` is never used"),
                "declared here",
            )
            .help("remove it, or pay it in a category"),
            P::UnusedRow { table, row } => warning(
                Code::Unused,
                format!("row `{table}.{row}` is never used"),
                "declared here",
            )
            .help("remove it, or pay it in a category"),
            P::NotCurrencyCode {
                written,
                suggestion,
            } => {
                let upper = written.to_ascii_uppercase();
                let help = if *written != upper && bursar_runtime::currency::is_iso_4217(&upper)
                {
                    format!("codes are written in capitals: `currency {upper}`")
                } else if written == "RMB" {
                    "the code of the yuan (人民币) is `CNY`".to_string()
                } else {
                    suggest(suggestion, || {
                        "write an ISO 4217 code, e.g. `currency CNY`".into()
                    })
                };
                error(
                    Code::TypeMismatch,
                    format!("`{written}` is not an ISO 4217 currency code"),
                    "not a currency code",
                )
                .help(help)
            }
            P::UnknownHeaderSetting {
                name,
                keys,
                suggestion,
            } => error(
                Code::UnknownSetting,
                format!("unknown header setting `{name}`"),
                "not a header setting",
            )
            .help(suggest(suggestion, || {
                format!("a scheme header has {}", list(keys))
            })),
            P::NoCurrency => error(
                Code::Missing,
                "the scheme does not say its currency",
                "this header has no `currency`",
            )
            .help("add `currency CNY` to the header"),
            P::SettingNotText { key } => error(
                Code::TypeMismatch,
                format!("`{key}` must be text"),
                "expected a string in double quotes",
            )
            .help(format!("write `{key} \"…\"`")),
            P::SettingNotDate { key } => error(
                Code::TypeMismatch,
                format!("`{key}` must be a date"),
                "expected a date",
            )
            .help(format!("write `{key} 2023-03-29`")),
            P::PeriodBackwards { start, end } => error(
                Code::EmptyRange,
                "the period ends before it starts",
                format!("{start} is after {end}"),
            )
            .help("swap the two dates"),
            P::PeriodNotRange => error(
                Code::TypeMismatch,
                "the period must be a range of dates",
                "expected `start ..= end`",
            )
            .help("write `period 2023-01-01 ..= 2023-12-31`"),
            P::BuiltinTypeName { name } => error(
                Code::DuplicateName,
                format!("`{name}` is a built-in type"),
                "cannot be redeclared",
            )
            .help("choose another name for the enum"),
            P::EmptyEnum { name } => error(
                Code::Missing,
                format!("enum `{name}` has no values"),
                "empty enum",
            )
            .help("list its values: `enum Issuer { beijing_center \"…\" other \"…\" }`"),
            P::EnumTooLarge { name } => error(
                Code::Unsupported,
                format!("enum `{name}` has more than 64 values"),
                "too many values",
            )
            .help("use a `text` field for open-ended lists"),
            P::ClauseTwice { id, first } => error(
                Code::DuplicateName,
                format!("clause `§{id}` is declared twice"),
                "declared again here",
            )
            .label(*first, "first declared here")
            .help("each clause of the notice is declared once"),
            P::BadTableKey { ty } => error(
                Code::TypeMismatch,
                format!("a table cannot be keyed by `{ty}`"),
                "not an int or an enum",
            )
            .help("key tables by `int` or by an enum"),
            P::RowTwice { table, row, first } => error(
                Code::DuplicateName,
                format!("row `{row}` appears twice in table `{table}`"),
                "again here",
            )
            .label(*first, "first here")
            .help("remove one of the two rows"),
            P::UnknownRowKey {
                key,
                enum_name,
                values,
                suggestion,
            } => error(
                Code::UnknownName,
                format!("`{key}` is not a value of `{enum_name}`"),
                "not a key of this table",
            )
            .help(suggest(suggestion, || {
                format!("`{enum_name}` has {}", list(values))
            })),
            P::UnnamedRow { value, table } => error(
                Code::TypeMismatch,
                format!("row `{value}` of table `{table}` needs a name"),
                "a number, but the table has named rows",
            )
            .help(format!(
                "key the table by number with `table {table} by int {{ … }}`, or name the row: `level{value}`"
            )),
            P::WrongRowKey { table, ty } => error(
                Code::TypeMismatch,
                format!("table `{table}` is keyed by `{ty}`"),
                format!("not a `{ty}`"),
            )
            .help(format!("write each row's key as a `{ty}`")),
            P::RowNotOfTableType { table, want, got } => error(
                Code::TypeMismatch,
                format!("table `{table}` holds `{want}`, and this row is `{got}`"),
                "not a written number of the table's type",
            )
            .help("a table's first row says what it holds: write every row as a number (`5%`, `0.05`, `3`)"),
            P::RowNotAmount => error(
                Code::NotConstant,
                "a row's amount must be an amount or another row",
                "not an amount",
            )
            .help("write `2000 元`, or refer to a row: `standard.level1`"),
            P::RowCycle { row } => error(
                Code::Cycle,
                format!("row `{row}` refers to itself"),
                "its amount is defined in a circle",
            )
            .help("give one row of the circle an amount like `2000 元`"),
            P::AlwaysFalse => error(
                Code::NeverHolds,
                "this condition can never hold",
                "always false",
            )
            .help("remove the category, or write the condition the notice states"),
            P::ContradictsEarlierLine { field, earlier } => error(
                Code::NeverHolds,
                "this condition can never hold together with an earlier one",
                format!("no value of `{field}` satisfies both"),
            )
            .label(*earlier, "the earlier condition")
            .help("check the numbers and dates against the notice"),
            P::NoPay { category } => error(
                Code::Missing,
                format!("category `{category}` does not say what it pays"),
                "no `pay` in this category",
            )
            .help("add a `pay` line, e.g. `pay standard.level1` or `pay match … { … }`"),
            P::PaysTwice { category, first } => error(
                Code::DuplicateName,
                format!("category `{category}` pays twice"),
                "a second `pay`",
            )
            .label(*first, "the first `pay`")
            .help("one `pay` per category; use `if` or `match` to pay different amounts"),
            P::SecondLimit => error(Code::DuplicateName, "a second `limit`", "again here")
                .help("an award rule has one limit"),
            P::LimitOutOfRange { group } => error(
                Code::TypeMismatch,
                "the limit must be between 1 and 1000",
                "not a usable limit",
            )
            .help(match group {
                None => "write `limit 1 per period`".to_string(),
                Some(g) => format!("write `limit 1 per group {g} {{…}}`"),
            }),
            P::UnknownLimitScope { scope, suggestion } => error(
                Code::UnknownSetting,
                format!("unknown limit scope `{scope}`"),
                "not a scope",
            )
            .help(suggest(suggestion, || {
                "write `per period`, or `per group NAME {category, …}`".into()
            })),
            P::SecondChoose => error(Code::DuplicateName, "a second `choose`", "again here")
                .help("an award rule chooses one way; chain criteria with `then`"),
            P::TiesUnbroken => error(
                Code::Missing,
                "ties between categories are not broken",
                "two categories could be chosen equally",
            )
            .help("end with `then first_declared`"),
            P::NoLimit => error(
                Code::Missing,
                "the award rule has no `limit`",
                "how many awards a person may get is not said",
            )
            .help("add `limit 1 per period` (a group's limit comes on top of it)"),
            P::NoChoose => error(
                Code::Missing,
                "the award rule does not say how to choose",
                "no `choose` line",
            )
            .help("add `choose highest_amount then first_declared`"),
            P::UnknownCriterion {
                name,
                criteria,
                suggestion,
            } => error(
                Code::UnknownSetting,
                format!("unknown award criterion `{name}`"),
                "not a criterion",
            )
            .help(suggest(suggestion, || {
                format!(
                    "criteria are {}, or a text or enum field naming the category the applicant chose",
                    list(criteria)
                )
            })),
            P::ChoiceNotCategory {
                field,
                value,
                categories,
                suggestion,
            } => error(
                Code::UnknownName,
                format!("`{field}` can be `{value}`, which is not a category"),
                "the applicant's choice",
            )
            .help(match suggestion {
                Some(s) => format!(
                    "{} (each value of the choice must name a category)",
                    did_you_mean(s)
                ),
                None => format!(
                    "each value of the choice names a category: {}",
                    list(categories)
                ),
            }),
            P::ChoiceWrongType { field, ty } => {
                let article = if ty.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                error(
                    Code::TypeMismatch,
                    format!("`{field}` is {article} {ty}, not text or an enum"),
                    "the applicant's choice must name a category",
                )
                .help(format!(
                    "declare `{field} text?` (a category's name), or an enum whose values are category names"
                ))
            }
            P::SecondGroup { name } => error(
                Code::DuplicateName,
                format!("a second group `{name}`"),
                "again here",
            )
            .help("give each group its own name, or put the categories in one group"),
            P::EmptyGroup { name } => error(
                Code::Missing,
                format!("group `{name}` names no category"),
                "an empty group",
            )
            .help(format!(
                "list the categories that share the limit: `group {name} {{a, b}}`"
            )),
            P::UnknownCategory {
                name,
                categories,
                suggestion,
            } => error(
                Code::UnknownName,
                format!("unknown category `{name}`"),
                "not a category of this scheme",
            )
            .help(suggest(suggestion, || {
                format!("the categories are {}", list(categories))
            })),
            P::CategoryInTwoGroups { category, group } => error(
                Code::DuplicateName,
                format!("category `{category}` is already in group `{group}`"),
                "a category is in at most one group",
            )
            .help("a category's awards count against one group; put overlapping categories in one group"),
            P::SettingNotField { key, suggestion } => error(
                Code::UnknownName,
                format!("`{key}` must name an applicant field"),
                "not a field of the applicant",
            )
            .help(suggest(suggestion, || "name a field of the applicant".into())),
            P::ReceivedNotDate => error(
                Code::TypeMismatch,
                "`received` must name a date field",
                "not a date",
            )
            .help("declare the application date as `applied_on date?` (absent: did not apply)"),
            P::UnknownApplicationSetting {
                name,
                keys,
                suggestion,
            } => error(
                Code::UnknownSetting,
                format!("unknown application setting `{name}`"),
                "not an application setting",
            )
            .help(suggest(suggestion, || {
                format!("an application block has {}", list(keys))
            })),
            P::NoReceived => error(
                Code::Missing,
                "the application block does not say when an application arrived",
                "no `received` field",
            )
            .help("add `received applied_on`, naming a `date?` field"),
            P::StepTwice { name } => error(
                Code::DuplicateName,
                format!("step `{name}` is declared twice"),
                "again here",
            )
            .help("give each step its own name"),
            P::UnknownStep {
                name,
                steps,
                suggestion,
            } => error(
                Code::UnknownName,
                format!("unknown step `{name}`"),
                "not `received` or an earlier step",
            )
            .help(suggest(suggestion, || {
                format!(
                    "a step counts from `received` or an earlier step: {}",
                    list(steps)
                )
            })),
            P::StepNotDuration => error(
                Code::TypeMismatch,
                "a step's limit must be a positive duration",
                "not a positive duration",
            )
            .help("write e.g. `within 1 month`"),

            // ------------------------------------------------- expressions
            P::OptionalRead { text } => error(
                Code::OptionalRead,
                format!("`{text}` may be absent here"),
                "read without saying what absence means",
            )
            .help(format!(
                "test it first (`{text} is present and …`) or give a default (`{text} ?? …`)"
            )),
            P::ExpressionTooDeep { max } => error(
                Code::TooDeep,
                format!("expression nests more than {max} levels deep"),
                "too deeply nested",
            )
            .help("split it: put part of it in a table, a `match` or another `when` line"),
            P::SetOutsideIn => error(
                Code::TypeMismatch,
                "a set or range is only allowed after `in`",
                "not a value on its own",
            )
            .help("write `x in {a, b}` or `x in 1..=3`"),
            P::PresenceOfNonField => error(
                Code::TypeMismatch,
                "only an applicant field can be absent",
                "not a field",
            )
            .help("write `voc_level is present` with a field of the applicant"),
            P::NeverAbsent { name } => warning(
                Code::Unreachable,
                format!("`{name}` is never absent"),
                "this test always gives the same answer",
            )
            .help(format!(
                "declare it optional (`{name} <type>?`) if it may be missing"
            )),
            P::ListAsValue { name } => error(
                Code::TypeMismatch,
                format!("`{name}` is a list of items, not one value"),
                "a list",
            )
            .help(format!(
                "ask about its items: `any {name}`, `count({name})`, `min(level of {name})`"
            )),
            P::TableAsValue { table, first_row } => error(
                Code::TypeMismatch,
                format!("table `{table}` is not an amount"),
                "a whole table",
            )
            .help(format!(
                "pick a row (`{table}.{first_row}`) or look one up (`{table}[key]`)"
            )),
            P::UnknownName {
                name,
                wanted_enum,
                has_fields,
                suggestion,
            } => {
                let label = match wanted_enum {
                    Some(e) => format!("not a field or a value of `{e}`"),
                    None if !has_fields => "unknown name".to_string(),
                    None => "not a field of the applicant".to_string(),
                };
                error(Code::UnknownName, format!("unknown name `{name}`"), label).help(suggest(
                    suggestion,
                    || "names are applicant fields, enum values and `table.row`".to_string(),
                ))
            }
            P::NoWrittenDeadline => error(
                Code::NotConstant,
                "the scheme has no written deadline",
                "no `deadline DATE` in the application block",
            )
            .help("`application.deadline` reads a deadline written as a date in the `application` block"),
            P::NoPeriod => error(
                Code::Missing,
                "the scheme declares no period",
                "no `period` in the header",
            )
            .help("add `period 2024-01-01 ..= 2024-12-31` to the `scheme` block"),
            P::UnknownPeriodPart { part } => error(
                Code::UnknownName,
                format!("the period has no `{part}`"),
                "not a part of the period",
            )
            .help("write `period.start` or `period.end`"),
            P::UnknownRow {
                table,
                row,
                rows,
                suggestion,
            } => error(
                Code::UnknownName,
                format!("table `{table}` has no row `{row}`"),
                "no such row",
            )
            .help(suggest(suggestion, || format!("its rows are {}", list(rows)))),
            P::UnknownEnumValue {
                value,
                enum_name,
                values,
                suggestion,
            } => error(
                Code::UnknownName,
                format!("`{value}` is not a value of `{enum_name}`"),
                "no such value",
            )
            .help(suggest(suggestion, || {
                format!("its values are {}", list(values))
            })),
            P::FieldHasNoParts { field } => error(
                Code::TypeMismatch,
                format!("field `{field}` has no parts"),
                "fields are single values",
            )
            .help(format!("write `{field}` alone")),
            P::UnknownTableOrEnum { name, suggestion } => error(
                Code::UnknownName,
                format!("unknown table or enum `{name}`"),
                "not a table or an enum",
            )
            .help(suggest(suggestion, || {
                "`a.b` names a table row or an enum value".into()
            })),
            P::TooManyParts => error(
                Code::UnknownName,
                "a name has at most two parts",
                "too many parts",
            )
            .help("write `table.row` or `Enum.value`"),
            P::AmbiguousValue { name, a, b } => error(
                Code::UnknownName,
                format!("`{name}` is a value of both `{a}` and `{b}`"),
                "ambiguous",
            )
            .help(format!("write `{a}.{name}` or `{b}.{name}`")),
            P::InvalidDate { text, fault } => error(
                Code::InvalidDate,
                format!("`{text}` is not a date"),
                "no such day",
            )
            .help(match fault {
                DateFault::PastMonthEnd { year, month, days } => {
                    format!("{year}-{month:02} has {days} days")
                }
                DateFault::NoMonth(m) => {
                    format!("there is no month {m}; months run from 01 to 12")
                }
                DateFault::Shape => "write dates as YYYY-MM-DD".to_string(),
            }),
            P::ThousandsSeparators { amount, unit } => {
                let plain = amount.replace(',', "");
                let grouped = amount.replace(',', "_");
                let help = if matches!(unit.as_str(), "¥" | "$" | "£" | "€") {
                    format!("write `{unit}{plain}`, or group digits with `_`: `{unit}{grouped}`")
                } else {
                    format!("write `{plain} {unit}`, or group digits with `_`: `{grouped} {unit}`")
                };
                error(
                    Code::InvalidMoney,
                    format!("`{amount}` has thousands separators"),
                    "a comma inside an amount",
                )
                .help(help)
            }
            P::ForeignCurrency { unit, currency } => error(
                Code::CurrencyMismatch,
                format!("`{unit}` is not the scheme's currency"),
                format!("the scheme pays in {currency}"),
            )
            .help(format!("write amounts in {currency}")),
            P::InvalidAmount { amount, reason } => error(
                Code::InvalidMoney,
                format!("`{amount}` is not a valid amount: {reason}"),
                "not an amount",
            )
            .help("amounts have at most two decimals: `12.50 元`"),
            P::TooManyDigits { text } => error(
                Code::NumberTooLarge,
                format!("`{text}` has too many digits"),
                "not a number Bursar can hold exactly",
            )
            .help("write at most 18 digits"),
            P::Unrounded { text } => error(
                Code::Unrounded,
                format!("`{text}` may not be a whole fen"),
                "an amount with fractions of a fen",
            )
            .help(format!(
                "say how to round it: `round({text}, fen, half_up)` (or `half_even`, `down`, `up`; to `fen`, `yuan`, `ten`, `hundred`)"
            )),
            P::Expected { want, found, why } => error(
                Code::TypeMismatch,
                format!("expected `{want}`, found `{found}`"),
                format!("this is `{found}`"),
            )
            .help(why.text()),
            P::Differs {
                first_ty,
                ty,
                first,
                why,
            } => error(
                Code::TypeMismatch,
                format!("expected `{first_ty}`, found `{ty}`"),
                format!("this is `{ty}`"),
            )
            .label(*first, format!("this is `{first_ty}`"))
            .help(why.text()),
            P::DefaultOfNonField => error(
                Code::TypeMismatch,
                "`??` gives a default to an optional field",
                "not a field",
            )
            .help("write `voc_level ?? 0`"),
            P::Unordered { op, ty } => error(
                Code::TypeMismatch,
                format!("`{}` does not order `{ty}` values", op.symbol()),
                format!("`{ty}` has no order"),
            )
            .help("compare with `==` or `!=`, or test membership with `in {…}`"),
            P::ContradictsLeft { field, earlier } => error(
                Code::NeverHolds,
                "this condition can never hold",
                format!("no value of `{field}` satisfies both sides"),
            )
            .label(*earlier, "narrowed here first")
            .help("check the values against the notice; did you mean `or`?"),
            P::Operands {
                op,
                left,
                right,
                left_name,
                right_name,
                left_span,
            } => {
                let verb = match op {
                    BinaryOp::Add => "add",
                    BinaryOp::Sub => "subtract",
                    BinaryOp::Mul => "multiply",
                    BinaryOp::Div => "divide",
                    BinaryOp::Eq
                    | BinaryOp::Ne
                    | BinaryOp::Lt
                    | BinaryOp::Le
                    | BinaryOp::Gt
                    | BinaryOp::Ge
                    | BinaryOp::And
                    | BinaryOp::Or
                    | BinaryOp::Default => "compare",
                };
                let (a, b) = (*left, *right);
                let help = if matches!(a, Type::Enum(_)) || matches!(b, Type::Enum(_)) {
                    if verb == "compare" {
                        "values of different types are never equal; compare like with like"
                            .to_string()
                    } else {
                        "enum values have no arithmetic; use `match` to map them to numbers or amounts"
                            .to_string()
                    }
                } else if (a, b) == (Type::Date, Type::Int) || (a, b) == (Type::Int, Type::Date) {
                    "to shift a date write a duration: `voc_issued + 12 months`; to compare years use `year(voc_issued)`".to_string()
                } else if verb == "compare" {
                    format!("`{}` needs two values of one type", op.symbol())
                } else {
                    "arithmetic works on numbers (int, decimal), money with money, money times or divided by a number (an unrounded amount), and a date plus a duration".to_string()
                };
                error(
                    Code::TypeMismatch,
                    format!("cannot {verb} `{left_name}` and `{right_name}`"),
                    format!("this is `{right_name}`"),
                )
                .label(*left_span, format!("this is `{left_name}`"))
                .help(help)
            }
            P::SetMemberType { set_ty, member_ty } => error(
                Code::TypeMismatch,
                format!("a set of `{set_ty}` cannot hold `{member_ty}`"),
                format!("this is `{member_ty}`"),
            )
            .help(format!("every member must be a `{set_ty}`")),
            P::SetMemberNotLiteral => error(
                Code::NotConstant,
                "set members must be written out",
                "computed value",
            )
            .help("list literal values: `{1, 2, 3}`, `{beijing_center, registered_org}`"),
            P::EmptySet => error(Code::EmptyRange, "the set is empty", "nothing is in `{}`")
                .help("list the values the notice names"),
            P::NoRanges { ty } => error(
                Code::TypeMismatch,
                format!("`{ty}` values have no ranges"),
                "a range needs ordered values",
            )
            .help("list the values in a set instead: `in {a, b}`"),
            P::BoundType { value_ty, bound_ty } => error(
                Code::TypeMismatch,
                format!("a range of `{bound_ty}` cannot hold `{value_ty}`"),
                format!("this is `{bound_ty}`"),
            )
            .help(format!(
                "the bounds must be `{value_ty}` like the value tested"
            )),
            P::UnboundedRange => error(Code::EmptyRange, "the range has no bounds", "`..` alone")
                .help("write `lo..=hi`, `lo..` or `..=hi`"),
            P::EmptyRange { text, equal_bounds } => error(
                Code::EmptyRange,
                format!("the range `{text}` is empty"),
                "nothing is in this range",
            )
            .help(match equal_bounds {
                None => "the bounds are the wrong way round: write the smaller one first"
                    .to_string(),
                Some((a, b)) => format!(
                    "an exclusive range `a..a` holds nothing; write `{a}..={b}`"
                ),
            }),
            P::InNeedsSet => error(
                Code::TypeMismatch,
                "`in` needs a set or a range",
                "not a set or range",
            )
            .help("write `x in {a, b}` or `x in 1..=3`"),
            P::CannotNegate { ty } => error(
                Code::TypeMismatch,
                format!("cannot negate `{ty}`"),
                format!("this is `{ty}`"),
            )
            .help("only numbers and money have a minus sign"),

            // ------------------------------------------------------- lists
            P::ListInItem => error(
                Code::Unsupported,
                "a list inside a list is not supported yet",
                "in a record",
            )
            .help("a field of an item holds one value; declare another list on the applicant"),
            P::WhereNotAfterList => error(
                Code::TypeMismatch,
                "`where` picks items of a list",
                "not after a list",
            )
            .help("write `let qualifying = certificates where level <= 3`"),
            P::NotAList {
                name,
                lists,
                suggestion,
            } => error(
                Code::TypeMismatch,
                match name {
                    Some(n) => format!("`{n}` is not a list"),
                    None => "a list is expected here".to_string(),
                },
                "not a list",
            )
            .help(suggest(suggestion, || {
                if lists.is_empty() {
                    "declare a list field: `certificates list of Certificate`".to_string()
                } else {
                    format!("the lists are: {}", lists.join(", "))
                }
            })),
            P::AllWithoutCondition => error(
                Code::TypeMismatch,
                "`all` needs a condition",
                "all of them what?",
            )
            .help("write `all members where resident`"),
            P::NestedList => error(
                Code::Unsupported,
                "a list inside a list's condition is not supported yet",
                "inside `where`",
            )
            .help("name the inner condition with `let` on the applicant, or count separately"),
            P::NotAggregate { name, suggestion } => error(
                Code::UnknownName,
                format!("`{name}` does not take the items of a list"),
                "not an aggregate",
            )
            .help(suggest(suggestion, || {
                "over a list: `count`, `sum`, `min` and `max`".into()
            })),
            P::CountOf => error(
                Code::TypeMismatch,
                "`count` counts items",
                "nothing to count here",
            )
            .help("write `count(members where age < 17)`"),
            P::AggregateOfWhat { func } => error(
                Code::TypeMismatch,
                format!("`{func}` needs what to take of each item"),
                "of what?",
            )
            .help(format!("write `{func}(level of certificates)`")),
            P::CannotSum { ty } => error(
                Code::TypeMismatch,
                format!("cannot sum `{ty}`"),
                format!("this is `{ty}`"),
            )
            .help("`sum` adds numbers or amounts"),
            P::NotOrdered { func, ty } => error(
                Code::TypeMismatch,
                format!("`{func}` does not apply to `{ty}`"),
                "not ordered",
            )
            .help("`min` and `max` take numbers, money or dates"),
            P::HistoryTwice => error(Code::DuplicateName, "a second `history`", "again here")
                .help("an award rule reads one list of past awards"),
            P::HistoryKeysWithoutEver => error(
                Code::Missing,
                "a limit per keys counts past awards of every year",
                "no `ever` after the keys",
            )
            .help("write `limit 1 per (occupation, level) ever`"),
            P::HistoryLimitRange => error(
                Code::TypeMismatch,
                "the limit must be between 1 and 1000",
                "not a usable limit",
            )
            .help("write `limit 1 per 3 years`"),
            P::HistoryMissing => error(
                Code::Missing,
                "a limit over the award history, and no history to read",
                "no `history` line in the award rule",
            )
            .help("name the applicant's list of past awards in the award rule: `history past_awards`"),
            P::HistoryNotList { name } => error(
                Code::TypeMismatch,
                format!("`{name}` is not a list of past awards"),
                "not a list",
            )
            .help("name a `list of` a record with the fields the limits read, e.g. `past_awards list of Award`"),
            P::HistoryKeyNotInRecord {
                name,
                record,
                suggestion,
            } => error(
                Code::UnknownName,
                format!("the past awards (record `{record}`) have no field `{name}`"),
                "not a field of the history's record",
            )
            .help(suggest(suggestion, || {
                format!("add `{name} …` to record `{record}`")
            })),
            P::HistoryOptionalKey { name } => error(
                Code::OptionalRead,
                format!("the key `{name}` may be absent"),
                "an optional field",
            )
            .help(format!(
                "a limit compares the applicant's `{name}` with each past award's: declare it required"
            )),
            P::HistoryKeyTypes {
                name,
                applicant,
                record,
                item,
            } => error(
                Code::TypeMismatch,
                format!("the key `{name}` is {applicant} for the applicant but {item} in record `{record}`"),
                "the types differ",
            )
            .help("a key is compared for equality: give both fields one type"),
            P::HistoryWholeYears => error(
                Code::UnknownSetting,
                "a limit over the award history counts whole years",
                "not a number of years",
            )
            .help("write `limit 1 per 3 years` (1 to 1000 years)"),
            P::HistoryNoPeriod => error(
                Code::Missing,
                "the scheme declares no period",
                "the years counted end with the period's year",
            )
            .help("add `period 2025-01-01 ..= 2025-12-31` to the `scheme` block"),
            P::HistoryYearNotInt { record, ty } => error(
                Code::TypeMismatch,
                format!("the field `year` of record `{record}` is {ty}, not int"),
                "counts past awards by their year",
            )
            .help(format!("declare `year int` in record `{record}`")),
            P::HistoryNoYear { record } => error(
                Code::Missing,
                format!("the past awards (record `{record}`) have no year"),
                "counts past awards by their year",
            )
            .help(format!(
                "add `year int \"year\"` to record `{record}` (or, instead, a single date of the award)"
            )),
            P::HistoryScope { scope } => error(
                Code::UnknownSetting,
                format!("unknown limit scope `{scope}`"),
                "not a scope",
            )
            .help("write `per period` for once a year, or over the award history `per (occupation, level) ever` or `per 3 years`"),
            P::UnknownApplicantField {
                name,
                suggestion,
                named_as,
            } => error(
                Code::UnknownName,
                format!("unknown field `{name}`"),
                "not a field of the applicant",
            )
            .help(suggest(suggestion, || named_as.hint().into())),
            P::CalendarSettingNotName => error(
                Code::TypeMismatch,
                "`calendar` names a calendar",
                "expected a name",
            )
            .help("write e.g. `calendar china`"),
            P::CalendarDeclaredByParent { name, parent } => error(
                Code::DuplicateName,
                format!("calendar `{name}` is already declared by the parent"),
                "declared again",
            )
            .label(*parent, "the parent's")
            .help(format!("to add days or years, write `extend calendar {name} {{ … }}`")),
            P::NoCalendarToExtend {
                name,
                known,
                suggestion,
            } => error(
                Code::UnknownName,
                format!("there is no calendar `{name}` to extend"),
                "nothing to extend",
            )
            .help(suggest(suggestion, || format!("calendars: {}", known.join(", ")))),
            P::UnknownCalendar {
                name,
                known,
                suggestion,
            } => error(
                Code::UnknownName,
                format!("unknown calendar `{name}`"),
                "not a declared or built-in calendar",
            )
            .help(suggest(suggestion, || {
                format!(
                    "declare it with `calendar {name} {{ years … holiday … }}`, or use one of: {}",
                    known.join(", ")
                )
            })),
            P::CalendarNotChosen { first, first_span } => error(
                Code::Missing,
                "several calendars, and the scheme does not say which one `working_days` count by",
                "a second calendar",
            )
            .label(*first_span, "the first")
            .help(format!("add `calendar {first}` (or another) to the `scheme` header")),
            P::UnusedCalendar { name } => warning(
                Code::Unused,
                format!("calendar `{name}` is not used"),
                "the scheme counts working days by another calendar",
            )
            .help("remove it, or name it with `calendar` in the `scheme` header"),
            P::CalendarNoYears { name } => error(
                Code::Missing,
                format!("calendar `{name}` does not say which years it covers"),
                "no `years` line",
            )
            .help("add e.g. `years 2023 ..= 2026`: outside them, counting working days is an error rather than a guess"),
            P::CalendarYearsTwice { name, first } => error(
                Code::DuplicateName,
                format!("calendar `{name}` says its years twice"),
                "a second `years` line",
            )
            .label(*first, "the first")
            .help("keep one `years A ..= B` line covering every year"),
            P::CalendarYearOutOfRange => error(
                Code::InvalidDate,
                "a calendar's years run from 1 to 9999",
                "not a year",
            ),
            P::CalendarYearsBackwards { first, last } => error(
                Code::EmptyRange,
                "the calendar's years end before they start",
                format!("{first} is after {last}"),
            )
            .help("swap the two years"),
            P::CalendarDaysBackwards { from, to } => error(
                Code::EmptyRange,
                "these days end before they start",
                format!("{from} is after {to}"),
            )
            .help("swap the two dates"),
            P::CalendarDaysTooLong { from, to } => error(
                Code::CalendarCoverage,
                format!("these days run from {from} to {to}, more than a year"),
                "longer than a year",
            )
            .help("a `holiday` or `workday` line covers the days of one notice: check the years of the two dates"),
            P::CalendarDaysOutside { from, name, covers } => error(
                Code::CalendarCoverage,
                format!("{from} is outside the years calendar `{name}` covers"),
                format!("the calendar covers {covers}"),
            )
            .help("widen its `years`, or remove the line"),
            P::MakeUpOnWeekday { day, weekday } => warning(
                Code::CalendarOverlap,
                format!("{day} is a {weekday}, a working day anyway"),
                "this line changes nothing",
            )
            .help("a make-up working day (调休上班) is normally a Saturday or a Sunday: check the date against the notice"),
            P::DayBothHolidayAndWorkday { day, first } => error(
                Code::CalendarConflict,
                format!("{day} is both a holiday and a working day"),
                "said again here",
            )
            .label(*first, "said here first")
            .help("a day is a holiday (放假) or a make-up working day (调休上班), not both: check the dates against the notice"),
            P::DayListedTwice { day, name, first } => warning(
                Code::CalendarOverlap,
                format!("{day} is listed twice in calendar `{name}`"),
                "listed again here",
            )
            .label(*first, "listed here first")
            .help("remove the day from one of the lines"),
            P::CalendarDoesNotCover {
                counted,
                name,
                covers,
                years,
                add,
            } => {
                let r = error(
                    Code::CalendarCoverage,
                    format!("the scheme counts `working_days` in {counted}, which calendar `{name}` does not cover"),
                    format!("the calendar covers {covers}"),
                );
                let r = match years {
                    Some(y) => r.label(*y, "the calendar's years"),
                    None => r,
                };
                r.help(format!(
                    "add the missing years' holidays with `extend calendar {name} {{ {add}  holiday … }}`"
                ))
            }
            P::QuotaNotTopLevel => error(
                Code::Unsupported,
                "a quota is declared at the top level, as `quota NAME { … }`",
                "not read as a quota declaration",
            )
            .help("write `quota pool_a \"A区名额\" { when pool == a  places 200  by lot seed 2025 }` (or `budget 1_000_000 元` for money) at the top level: its `when` lines say who competes for its places"),
            P::PayerNotTopLevel => error(
                Code::Unsupported,
                "a payer is declared at the top level, as `payer NAME { … }`",
                "not read as a payer declaration",
            )
            .help("write `payer east_district \"东城区总工会\" { when district == \"east\"  pay matching 1:1 up to 500 元 }` at the top level: its `when` lines say whose awards it tops up"),
            P::QuotaNeedsIdentifier => error(
                Code::Missing,
                "a quota needs the applicant's identifier",
                "places are drawn and ties broken by it",
            )
            .help("name a required text field in `application { identifier person_id }`"),
            P::QuotaNoRation { quota } => error(
                Code::Missing,
                format!("quota `{quota}` says no number of places and no budget"),
                "what it rations is not said",
            )
            .help("add `places 200`, or `budget 1_000_000 元` (paid in order while it lasts; add `pro rata` to share it)"),
            P::QuotaTwoRations => error(
                Code::DuplicateName,
                "a second `places` or `budget` line",
                "what the quota rations is given again here",
            )
            .help("a quota has one number of places or one budget; keep one line"),
            P::QuotaNoOrder { quota } => error(
                Code::Missing,
                format!("quota `{quota}` does not say how places are given"),
                "no `by` line",
            )
            .help("add `by lot seed 2025`, `by earliest applied_at`, or keys in order: `by model_worker then earliest applied_at`"),
            P::QuotaTwoOrders => error(
                Code::DuplicateName,
                "a second `by` line",
                "the order is given again here",
            )
            .help("write every key on one line: `by model_worker then earliest applied_at`"),
            P::BadPlaces => error(
                Code::NumberTooLarge,
                "places are a whole number from 0",
                "not a number of places",
            ),
            P::BadSeed => error(
                Code::NumberTooLarge,
                "a seed is a whole number from 0",
                "not a seed",
            ),
            P::TooManyRankKeys { max } => error(
                Code::Unsupported,
                format!("a quota orders by at most {max} keys"),
                "one key too many",
            )
            .help("drop the least important key: ties after the last key go by the identifier"),
            P::PayerNoPay { payer } => error(
                Code::Missing,
                format!("payer `{payer}` does not say what it pays"),
                "no `pay matching` line",
            )
            .help("add `pay matching 1:1 up to 500 元`: 1 of top-up for every 1 of the award, at most 500 元"),
            P::PayerTwoPays => error(
                Code::DuplicateName,
                "a second `pay matching` line",
                "what the payer pays is given again here",
            )
            .help("a payer tops up by one ratio; keep one line"),
            P::BadRatio => error(
                Code::NumberTooLarge,
                "a ratio is two whole numbers from 1 to 1000",
                "not a ratio",
            )
            .help("write `matching 1:1` (as much again) or `matching 2:1` (half as much again)"),
            P::PayerNamedScheme => error(
                Code::DuplicateName,
                "a payer cannot be called `scheme`",
                "`scheme` names the scheme's own share",
            )
            .help("name the payer after who pays, like `east_district`"),
            P::PayerWithQuota => error(
                Code::Unsupported,
                "payers in a scheme with quotas",
                "a top-up on an award a quota rations",
            )
            .help("a scheme has either quotas or payers for now; declare the top-up as its own scheme"),
            P::PayerWithRounds => error(
                Code::Unsupported,
                "payers in a scheme with rounds are not supported yet",
                "a top-up on an award paid in rounds",
            )
            .help("whether a payer's cap holds per round or per period is not decided; declare the top-up as its own scheme"),
            P::PayerWithInstalments => error(
                Code::Unsupported,
                "payers in a scheme with instalments are not supported yet",
                "a top-up on an award paid in stages",
            )
            .help("whether a top-up follows an award's stages is not decided; declare the top-up as its own scheme"),
            P::NegativeBudget => error(
                Code::NegativePayout,
                "a budget of less than nothing",
                "below zero",
            ),
            P::NoRounds => error(
                Code::Missing,
                "the scheme declares no rounds",
                "no `rounds` block to read a round of",
            )
            .help("declare the payments: `rounds { first { on 2024-04-25  pay 300 元  paid 2024-05-10 ..= 2024-05-31 } }`"),
            P::UnknownRoundPart { part } => error(
                Code::UnknownName,
                format!("a round has no `{part}`"),
                "not a part of a round",
            )
            .help("write `round.date`, `round.amount`, `round.paid_start` or `round.paid_end`"),
            P::EmptyRounds => error(
                Code::Missing,
                "the `rounds` block declares no round",
                "no round in it",
            )
            .help("add a round: `first { on 2024-04-25  pay 300 元  paid 2024-05-10 ..= 2024-05-31 }`"),
            P::RoundWindowBackwards { round } => error(
                Code::EmptyRange,
                format!("the payment window of round `{round}` ends before it starts"),
                "no day in this window",
            )
            .help("write the first day of the window, then the last: `paid 2024-05-10 ..= 2024-05-31`"),
            P::NegativeRoundAmount => error(
                Code::NegativePayout,
                "a round that pays less than nothing",
                "below zero",
            ),
            P::InstalmentsAndPay { category, first } => error(
                Code::DuplicateName,
                format!("category `{category}` says twice what it pays"),
                "said again here",
            )
            .label(*first, "said first here")
            .help("a category pays with one `pay` line or one `instalments { … }` block"),
            P::EmptyInstalments => error(
                Code::Missing,
                "the `instalments` block has no stage",
                "no stage in it",
            )
            .help("add stages: `now 500 元` and `after graduated_on 400 元`"),
            P::NegativeInstalment => error(
                Code::NegativePayout,
                "an instalment of less than nothing",
                "below zero",
            ),
            P::InstalmentAfter { field } => error(
                Code::TypeMismatch,
                format!("an instalment waits on `{field}`, which is not an optional date field"),
                "not a `date?` field of the applicant",
            )
            .help("a later stage waits on a fact recorded later: declare it `date?` (absent until it happens), e.g. `graduated_on date? \"毕业日期\"`"),
            P::InstalmentsTooLarge => error(
                Code::NumberTooLarge,
                "the instalments add up to more than an amount can hold",
                "too large together",
            ),
            P::RoundsWithQuotas => error(
                Code::Unsupported,
                "rounds and quotas in one scheme are not supported yet",
                "this scheme also declares a quota",
            )
            .help("a quota rations the payments of one decision; ration each round in a scheme of its own"),
            P::RankDirection { word, ty } => error(
                Code::TypeMismatch,
                format!("`{word}` does not order a value of type `{ty}`"),
                format!("`{word}` of {ty}"),
            )
            .help("`earliest`/`latest` order dates and times, `highest`/`lowest` whole numbers and amounts; a condition alone (`model_worker`) puts those for whom it holds first"),
            P::InvalidTime { text, day } => error(
                Code::InvalidDate,
                format!("`{text}` is not a time of {day}"),
                "no such time of day",
            )
            .help("write times as YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS, from 00:00 to 23:59:59"),
            P::MaybeEmpty { text, list, filter } => {
                let any = match filter {
                    Some(f) => format!("any {list} where {f}"),
                    None => format!("any {list}"),
                };
                error(
                    Code::MaybeEmpty,
                    format!("`{text}` has no value when no item qualifies"),
                    "there may be no such item here",
                )
                .help(format!("say that one exists first: `when {any}`"))
            }
            P::Arity {
                func,
                takes,
                given,
                example,
            } => error(
                Code::TypeMismatch,
                format!("`{func}` takes {takes}"),
                format!("given {given}"),
            )
            .help(*example),

            // -------------------------------------- lookups, match, builtins
            P::LookupNotTable => error(
                Code::UnknownName,
                "only a table can be looked up",
                "not a table",
            )
            .help("write `table[key]`"),
            P::UnknownTable { name, suggestion } => error(
                Code::UnknownName,
                format!("unknown table `{name}`"),
                "not a table",
            )
            .help(suggest(suggestion, || {
                "look up a table declared with `table … by …`".into()
            })),
            P::NamedRowsLookup { table, first_row } => error(
                Code::TypeMismatch,
                format!("table `{table}` has named rows, not keys"),
                "cannot be looked up",
            )
            .help(format!(
                "pick a row by name (`{table}.{first_row}`), or declare the table `by int` or by an enum"
            )),
            P::MissingRows {
                table,
                key,
                missing,
            } => error(
                Code::NonExhaustive,
                format!("table `{table}` has no row for {}", missing.join(", ")),
                format!("`{key}` may be {} here", missing.join(" or ")),
            )
            .help(format!(
                "add rows for them, or narrow `{key}` with a `when` condition (`{key} in {{…}}`)"
            )),
            P::MatchNoArms => error(
                Code::NonExhaustive,
                "the `match` has no arms",
                "matches nothing",
            )
            .help("add arms: `1 => …`"),
            P::MatchMissing { text, missing } => error(
                Code::NonExhaustive,
                format!("the `match` does not cover {}", missing.join(", ")),
                format!("`{text}` may be {} here", missing.join(" or ")),
            )
            .help("add arms for them, add `_ => …`, or narrow the value with a `when` condition"),
            P::PatternType { what, ty } => error(
                Code::TypeMismatch,
                format!("a `{what}` pattern cannot match `{ty}`"),
                format!("the value is `{ty}`"),
            )
            .help(format!("write patterns of type `{ty}`")),
            P::UnknownPatternValue {
                value,
                enum_name,
                values,
                suggestion,
            } => error(
                Code::UnknownName,
                format!("`{value}` is not a value of `{enum_name}`"),
                "no such value",
            )
            .help(suggest(suggestion, || {
                format!("`{enum_name}` has {}", list(values))
            })),
            P::EmptyPatternRange { text } => error(
                Code::EmptyRange,
                format!("the range `{text}` is empty"),
                "matches nothing",
            )
            .help("write the smaller bound first; `a..b` excludes `b`"),
            P::UnknownFunction { name, suggestion } => error(
                Code::UnknownName,
                format!("unknown function `{name}`"),
                "not a function",
            )
            .help(suggest(suggestion, crate::check::functions_help)),
            P::UnknownRoundUnit {
                found,
                example,
                suggestion,
            } => error(
                Code::UnknownName,
                format!("`{found}` is not a unit to round to"),
                "not a unit",
            )
            .help(suggest(suggestion, || example.to_string())),
            P::UnknownRoundMode {
                found,
                example,
                suggestion,
            } => error(
                Code::UnknownName,
                format!("`{found}` is not a way to round"),
                "not a rounding mode",
            )
            .help(suggest(suggestion, || example.to_string())),
            P::RoundNotAmount { ty } => error(
                Code::TypeMismatch,
                format!("`round` rounds amounts, not `{ty}`"),
                format!("this is `{ty}`"),
            )
            .help("round an amount of money: `round(income * 5%, fen, half_up)`"),
            P::NegativePayout {
                category,
                lowest,
                currency,
            } => {
                let label = match lowest {
                    Some(lo) => format!(
                        "this can come to {} {}",
                        lo.grouped(),
                        if currency == "CNY" { "元" } else { currency.as_str() }
                    ),
                    None => "nothing keeps this from going below zero".to_string(),
                };
                error(
                    Code::NegativePayout,
                    format!("category `{category}` may pay less than nothing"),
                    label,
                )
                .help(
                    "an award is paid, not charged: clamp the amount with `max(0 元, …)`, or narrow the category's conditions so that it cannot fall below zero",
                )
            }
        }
    }
}

fn invisible_message(c: char) -> String {
    format!(
        "invisible character U+{:04X} ({})",
        c as u32,
        crate::unicode::describe(c)
    )
}

fn invisible_shows(c: char) -> &'static str {
    if crate::unicode::is_bidi_control(c) {
        "it changes the order in which an editor shows the text around it"
    } else {
        "it shows as nothing in most editors"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One problem of each code, at least.
    fn examples() -> Vec<Problem> {
        let s = |x: &str| x.to_string();
        vec![
            Problem::Unexpected {
                expected: vec![s("`pay`")],
                found: Found::Word(s("pya")),
            },
            Problem::FullWidth {
                found: '，',
                ascii: ",",
            },
            Problem::UnterminatedString,
            Problem::UnterminatedComment,
            Problem::InvisibleInText { found: '\u{200B}' },
            Problem::Confusable {
                suspect: s("lеvel1"),
                model: s("level1"),
                model_span: Span::new(0, 6),
                names: [s("level1"), s("lеvel1")],
            },
            Problem::BracketsTooDeep { limit: 128 },
            Problem::IntegerTooLarge,
            Problem::UnknownName {
                name: s("voc_isued"),
                wanted_enum: None,
                has_fields: true,
                suggestion: Some(s("voc_issued")),
            },
            Problem::UnknownType {
                name: s("integer"),
                is_record: false,
                suggestion: None,
            },
            Problem::UnknownHeaderSetting {
                name: s("titel"),
                keys: &["title"],
                suggestion: Some(s("title")),
            },
            Problem::UnknownClause {
                id: s("3.1"),
                suggestion: None,
            },
            Problem::ClauseTwice {
                id: s("3.1"),
                first: Span::new(0, 4),
            },
            Problem::Expected {
                want: s("bool"),
                found: s("int"),
                why: Why::Condition,
            },
            Problem::OptionalRead {
                text: s("voc_level"),
            },
            Problem::MatchNoArms,
            Problem::EmptySet,
            Problem::InvalidDate {
                text: s("2023-02-30"),
                fault: DateFault::PastMonthEnd {
                    year: 2023,
                    month: 2,
                    days: 28,
                },
            },
            Problem::InvalidAmount {
                amount: s("1.005"),
                reason: s("more than two decimals"),
            },
            Problem::ForeignCurrency {
                unit: s("USD"),
                currency: s("CNY"),
            },
            Problem::AlwaysFalse,
            Problem::NoHeader,
            Problem::SetMemberNotLiteral,
            Problem::QuotaNotTopLevel,
            Problem::RowCycle { row: s("a.b") },
            Problem::NegativePayout {
                category: s("rebate"),
                lowest: Some(Money(-100)),
                currency: s("CNY"),
            },
            Problem::Unrounded {
                text: s("income * 5%"),
            },
            Problem::MaybeEmpty {
                text: s("min(level of certificates)"),
                list: s("certificates"),
                filter: None,
            },
            Problem::UnusedField { name: s("age") },
            Problem::NeverAbsent { name: s("age") },
            Problem::DayBothHolidayAndWorkday {
                day: s("2025-10-01"),
                first: Span::new(0, 1),
            },
            Problem::MakeUpOnWeekday {
                day: s("2025-10-09"),
                weekday: s("Thursday"),
            },
            Problem::CalendarDaysTooLong {
                from: s("2025-01-01"),
                to: s("2026-06-01"),
            },
        ]
    }

    #[test]
    fn every_code_is_rendered_by_a_problem() {
        let rendered: Vec<Code> = examples().iter().map(|p| p.render().code).collect();
        for code in Code::ALL {
            assert!(
                rendered.contains(&code),
                "no example renders `{}`: give the code a variant and an example",
                code.as_str()
            );
        }
    }

    #[test]
    fn messages_keep_the_house_style() {
        for p in examples() {
            let r = p.render();
            for text in [&r.message, &r.label] {
                assert!(
                    !text.starts_with(|c: char| c.is_uppercase()) && !text.ends_with('.'),
                    "`{text}` should be lower case, with no final period"
                );
            }
        }
    }

    #[test]
    fn the_docs_list_every_code() {
        let docs = include_str!("../../docs/language.md");
        let table = docs.split("## Diagnostic codes").nth(1).unwrap_or_default();
        let listed: Vec<&str> = table
            .lines()
            .take_while(|l| l.is_empty() || l.starts_with('|'))
            .filter_map(|l| l.strip_prefix("| `bursar::"))
            .filter_map(|l| l.split('`').next())
            .collect();
        let codes: Vec<&str> = Code::ALL
            .iter()
            .map(|c| c.as_str().trim_start_matches("bursar::"))
            .collect();
        assert_eq!(
            listed, codes,
            "docs/language.md's table of codes and `Code::ALL` differ"
        );
    }
}
