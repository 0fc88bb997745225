// The book's search ranking (Sphinx's html_search_scorer): readers search for ideas, so the
// chapters rank above the API reference, whose object names (bookutils.checks.perceptron...)
// would otherwise fill the first results for a word like "perceptron".
var Scorer = {
  score: (result) => {
    const [docname, , , , score] = result;
    return docname.startsWith("book/api/") ? score - 100 : score;
  },
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
};
