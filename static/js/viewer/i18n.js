// Interface strings come translated from Django (json_script, see mapapp/views.py: viewer_strings); dates and
// numbers are formatted for the reader's language with Intl. Nothing here builds HTML.
export function makeI18n(lang, strings) {
  const locale = lang === "ar" ? "ar" : "en-GB";
  const longDate = new Intl.DateTimeFormat(locale, { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" });
  const shortDate = new Intl.DateTimeFormat(locale, { year: "numeric", month: "short", timeZone: "UTC" });
  const yearOnly = new Intl.DateTimeFormat(locale, { year: "numeric", timeZone: "UTC" });
  const km2 = new Intl.NumberFormat(locale, { maximumFractionDigits: 2, minimumFractionDigits: 2 });
  const integer = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });

  function t(key, values) {
    let text = strings[key] !== undefined ? strings[key] : key;
    if (values) {
      for (const name of Object.keys(values)) text = text.split("%(" + name + ")s").join(String(values[name]));
    }
    return text;
  }

  return {
    lang,
    rtl: lang === "ar",
    t,
    date: (d) => longDate.format(d),
    month: (d) => shortDate.format(d),
    year: (d) => yearOnly.format(d),
    km2: (value) => t("%(n)s km²", { n: km2.format(value) }),
    signedKm2: (value) => (value > 0 ? "+" : value < 0 ? "−" : "") + t("%(n)s km²", { n: km2.format(Math.abs(value)) }),
    int: (value) => integer.format(value),
    // A name in the reader's language, falling back to English where the Arabic is missing.
    name: (item) => (lang === "ar" && item.name_ar ? item.name_ar : item.name_en),
    otherName: (item) => (lang === "ar" ? item.name_en : item.name_ar),
  };
}
