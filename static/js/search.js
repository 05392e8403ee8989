// Client-side search over the index written at build time (bulletin/outputs/search.py describes its
// files). The manifest is read once; each search then fetches only the word fragments of its words,
// the newest blocks of common words and the metadata of the results it shows, so it costs the same
// for a hundred briefings as for a hundred thousand. Paths are relative to the site root, which the
// page gives in data-root, so the site works under any prefix. Without JavaScript the page says
// where to browse instead.
(function () {
  "use strict";
  var box = document.getElementById("search");
  if (!box) return;
  var input = document.getElementById("q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var more = document.getElementById("search-more");
  var root = box.getAttribute("data-root") || "";
  // The locale the pages format dates and numbers in (a bare "en" is en-GB there), else the page's language.
  var lang = box.getAttribute("data-locale") || document.documentElement.lang || "en";
  var PAGE_SIZE = 20; // results shown at first and per "Show more"
  var MIN_PREFIX = 2; // a last word shorter than this matches whole words only
  var MAX_PREFIX_FRAGMENTS = 4; // a last word under more fragments than this matches whole words only
  var FAILED = say("failed", "The search index could not be loaded (opened from disk, search needs the site " +
    "served over HTTP). Browse all briefings or the archive instead.");
  var own = Object.prototype.hasOwnProperty;
  var manifest = null;
  var files = {}; // path -> promise of its JSON
  var current = null; // the search on screen
  var serial = 0; // bumped by every new search, so a slow answer to an older one is dropped
  var timer = null;
  var MARKS, WORDS;
  try {
    MARKS = new RegExp("\\p{M}", "gu");
    WORDS = new RegExp("[\\p{L}\\p{N}]+", "gu");
  } catch (e) {
    status.textContent = say("old-browser", "Search needs a newer browser. Browse all briefings or the archive " +
      "instead.");
    return;
  }

  // A text of the page's language from the search page's data- attributes (search.html translates
  // them); the English one when a site's own search.html does not give it.
  function say(name, english) {
    var text = box.getAttribute("data-" + name);
    return text === null ? english : text;
  }

  // Put values into a text's {placeholders}; a function, so "$" in a value is never a pattern.
  function fillIn(text, values) {
    return text.replace(/\{(\w+)\}/g, function (whole, key) {
      return own.call(values, key) ? values[key] : whole;
    });
  }

  // "1 result", "2 results": the text of n's plural category in the language (CLDR's rules, as the
  // page's catalogue was written for them).
  function results(n) {
    var category;
    try {
      category = new Intl.PluralRules(lang).select(n);
    } catch (e) {
      category = n === 1 ? "one" : "other";
    }
    var text = box.getAttribute("data-results-" + category) || box.getAttribute("data-results-other");
    if (text === null) text = n === 1 ? "{n} result" : "{n} results";
    return fillIn(text, { n: n.toLocaleString(lang) });
  }

  // The same folding as the index (search.py's fold).
  function fold(text) {
    return text.normalize("NFKD").replace(MARKS, "").toLowerCase().replace(/ß/g, "ss").replace(/ς/g, "σ");
  }

  function length(text) {
    return text.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, "_").length;
  }

  // The words of a text as the index has them (search.py's words): one-letter words a to z are skipped.
  function wordsOf(folded) {
    return (folded.match(WORDS) || []).filter(function (word) { return !/^[a-z]$/.test(word); });
  }

  function parse(query) {
    var folded = fold(query);
    var words = wordsOf(folded);
    var last = words[words.length - 1];
    // The last word is a prefix while it is being typed: nothing after it.
    var prefix = words.length > 0 && folded.slice(folded.length - last.length) === last && length(last) >= MIN_PREFIX;
    return { words: words, prefix: prefix };
  }

  function load(path) {
    if (!own.call(files, path)) {
      files[path] = fetch(root + path).then(function (response) {
        if (!response.ok) throw new Error(path + ": " + response.status);
        return response.json();
      });
      files[path].catch(function () { delete files[path]; });
    }
    return files[path];
  }

  // The fragment a word is in (the longest listed prefix of it) and, for a prefix, every fragment under it.
  function fragmentKeys(word, prefix) {
    var keys = Object.keys(manifest.w);
    var found = null;
    keys.forEach(function (key) {
      if (word.indexOf(key) === 0 && (found === null || key.length > found.length)) found = key;
    });
    var result = found === null ? [] : [found];
    if (prefix) {
      keys.forEach(function (key) {
        if (key !== found && key.indexOf(word) === 0) result.push(key);
      });
    }
    return result;
  }

  function undelta(deltas, base) {
    var ids = [];
    for (var i = 0; i < deltas.length; i++) {
      base += deltas[i];
      ids.push(base);
    }
    return ids;
  }

  function firstAtLeast(ids, value) {
    var low = 0, high = ids.length;
    while (low < high) {
      var middle = (low + high) >> 1;
      if (ids[middle] < value) low = middle + 1; else high = middle;
    }
    return low;
  }

  // A term is an array of ids (inline) or {n: count, b: [file or "", ...]} (split into blocks).
  function inBlock(term, block, low, high) {
    if (Array.isArray(term)) return firstAtLeast(term, low) < firstAtLeast(term, high);
    return block < term.b.length && term.b[block] !== "";
  }

  function matches(tokens, words, prefix) {
    var last = words[words.length - 1];
    for (var i = 0; i < words.length - 1; i++) {
      if (tokens.indexOf(words[i]) === -1) return false;
    }
    return tokens.some(function (token) {
      return token === last || (prefix && token.indexOf(last) === 0);
    });
  }

  // The terms of each word: the fragments they are in are fetched first.
  function termsOf(query) {
    var lastIndex = query.words.length - 1;
    var keys = query.words.map(function (word, i) {
      return fragmentKeys(word, query.prefix && i === lastIndex);
    });
    return Promise.all(query.words.map(function (word, i) {
      return Promise.all(keys[i].map(function (key) {
        return load("search/words/" + manifest.w[key] + ".json");
      })).then(function (fragments) {
        var terms = [];
        fragments.forEach(function (fragment) {
          Object.keys(fragment).sort().forEach(function (term) {
            if (term === word || (query.prefix && i === lastIndex && term.indexOf(word) === 0)) {
              var value = fragment[term];
              terms.push(Array.isArray(value) ? undelta(value, 0) : value);
            }
          });
        });
        return terms;
      });
    }));
  }

  // Walk blocks of ids from the newest until more than `wanted` hits are known (or none is left).
  function fill(state, wanted) {
    var size = manifest.r;
    while (state.block >= 0 && (!state.lazy || state.hits.length <= wanted)) {
      var block = state.block, low = block * size, high = low + size;
      var everyWord = state.sources.every(function (terms) {
        return terms.some(function (term) { return inBlock(term, block, low, high); });
      });
      if (!everyWord) {
        state.block -= 1;
        continue;
      }
      return Promise.all(state.sources.map(function (terms) {
        return Promise.all(terms.map(function (term) {
          if (Array.isArray(term)) return term.slice(firstAtLeast(term, low), firstAtLeast(term, high));
          if (!inBlock(term, block, low, high)) return [];
          return load("search/words/" + term.b[block] + ".json").then(function (deltas) {
            return undelta(deltas, low);
          });
        }));
      })).then(function (words) {
        var sets = words.map(function (parts) {
          var set = {};
          parts.forEach(function (ids) { ids.forEach(function (id) { set[id] = true; }); });
          return set;
        });
        var found = Object.keys(sets[0]).filter(function (id) {
          return sets.every(function (set) { return own.call(set, id); });
        }).map(Number).sort(function (a, b) { return b - a; });
        state.hits = state.hits.concat(found);
        state.block = block - 1;
        return fill(state, wanted);
      });
    }
    return Promise.resolve();
  }

  function count(state) {
    var complete = state.block < 0;
    var n = state.pages.length + (complete || state.count === null ? state.hits.length : state.count);
    var text = n === 0 ? say("no-results", "No results") : results(n);
    if (!complete && state.count === null) text = fillIn(say("at-least", "At least {results}"), { results: text });
    if (state.wholeWords) {
      var english = "{results} for the whole word \u201c{word}\u201d: type more of it to find words that start with it";
      text = fillIn(say("whole-word", english), { results: text, word: state.words[state.words.length - 1] });
    }
    return text;
  }

  // As the pages write dates: the page gives the pattern and month names (a browser may know
  // nothing of Welsh); else the browser's own long date.
  function formatDate(iso) {
    var parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
    var pattern = box.getAttribute("data-date");
    var months = (box.getAttribute("data-months") || "").split("|");
    if (parts && pattern && months.length === 12) {
      var m = Number(parts[2]), d = Number(parts[3]);
      return fillIn(pattern, {
        d: String(d), dd: parts[3], m: String(m), mm: parts[2], month: months[m - 1], y: parts[1]
      });
    }
    var date = new Date(iso + "T00:00:00Z");
    if (isNaN(date.getTime())) return iso;
    try {
      return date.toLocaleDateString(lang, { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
    } catch (e) {
      return iso;
    }
  }

  function link(title, path, language) {
    var a = document.createElement("a");
    a.href = root + path + (path === "" || path.charAt(path.length - 1) === "/" ? "index.html" : "");
    a.textContent = title;
    if (language) a.lang = language;
    return a;
  }

  // doc: [title, path, date, summary], then the languages of the title and the summary when a
  // briefing is not translated into the page's language (so screen readers say it right).
  function item(doc) {
    var li = document.createElement("li");
    li.appendChild(link(doc[0], doc[1], doc[4]));
    var p = document.createElement("p");
    if (doc[2]) {
      var time = document.createElement("time");
      time.setAttribute("datetime", doc[2]);
      time.textContent = formatDate(doc[2]);
      p.appendChild(time);
      if (doc[3]) p.appendChild(document.createTextNode(" \u00b7 "));
    }
    if (doc[3] && doc[5]) {
      var summary = document.createElement("span");
      summary.lang = doc[5];
      summary.textContent = doc[3];
      p.appendChild(summary);
    } else if (doc[3]) {
      p.appendChild(document.createTextNode(doc[3]));
    }
    if (p.firstChild) li.appendChild(p);
    return li;
  }

  // Show the next page of hits; the first new link takes the focus after "Show more".
  function showMore(state, mine, focus) {
    var wanted = state.shown + PAGE_SIZE;
    return fill(state, wanted).then(function () {
      var ids = state.hits.slice(state.shown, wanted);
      return Promise.all(ids.map(function (id) {
        return load("search/docs/" + Math.floor(id / manifest.k) + ".json?v=" + manifest.h).then(function (chunk) {
          return chunk[id % manifest.k];
        });
      }));
    }).then(function (docs) {
      if (mine !== serial) return;
      var first = null;
      if (state.shown === 0) {
        list.textContent = "";
        state.pages.forEach(function (page) {
          var li = document.createElement("li");
          li.appendChild(link(page[0], page[1]));
          list.appendChild(li);
          first = first || li;
        });
      }
      docs.forEach(function (doc) {
        var li = item(doc);
        list.appendChild(li);
        first = first || li;
      });
      state.shown += docs.length;
      more.hidden = state.hits.length <= state.shown; // fill stops only once it knows of one more
      status.textContent = count(state);
      busy(false);
      if (focus && first) first.querySelector("a").focus();
    });
  }

  // aria-busy: results are on their way (and a test knows when they have come)
  function busy(flag) {
    list.setAttribute("aria-busy", flag ? "true" : "false");
  }

  function failed(mine) {
    if (mine !== serial) return;
    status.textContent = FAILED;
    busy(false);
  }

  function search(text) {
    var mine = ++serial;
    var query = parse(text);
    more.hidden = true;
    current = null;
    busy(true);
    if (!query.words.length) {
      list.textContent = "";
      status.textContent = text.trim() ? say("too-short", "Type at least two letters or a number.") : "";
      busy(false);
      return;
    }
    var wholeWords = false;
    var last = query.words[query.words.length - 1];
    if (query.prefix && fragmentKeys(last, true).length > MAX_PREFIX_FRAGMENTS) {
      query.prefix = false;
      wholeWords = true;
    }
    var pages = manifest.p.filter(function (page) {
      return matches(wordsOf(fold(page[0])), query.words, query.prefix);
    });
    termsOf(query).then(function (sources) {
      if (mine !== serial) return;
      var state = {
        words: query.words, pages: pages, sources: sources, hits: [], shown: 0, wholeWords: wholeWords,
        block: Math.ceil(manifest.n / manifest.r) - 1, count: null,
        lazy: sources.some(function (terms) { return terms.some(function (t) { return !Array.isArray(t); }); })
      };
      if (sources.some(function (terms) { return !terms.length; })) state.block = -1;
      if (sources.length === 1 && sources[0].length === 1 && !Array.isArray(sources[0][0])) {
        state.count = sources[0][0].n;
      }
      current = state;
      return showMore(state, mine, false);
    }).catch(function () { failed(mine); });
  }

  var initial = new URLSearchParams(window.location.search).get("q") || "";
  input.value = initial;
  status.textContent = say("loading", "Loading the search index\u2026");
  busy(true);
  fetch(box.getAttribute("data-index"), { cache: "no-cache" })
    .then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    })
    .then(function (data) {
      if (data.v !== 1) throw new Error("search index format " + data.v);
      manifest = data;
      status.textContent = "";
      search(input.value);
      input.addEventListener("input", function () {
        busy(true);
        clearTimeout(timer);
        timer = setTimeout(function () { search(input.value); }, 150);
      });
      box.querySelector("form").addEventListener("submit", function (event) {
        event.preventDefault();
        clearTimeout(timer);
        search(input.value);
      });
      more.addEventListener("click", function () {
        if (!current) return;
        var mine = serial;
        more.hidden = true;
        busy(true);
        status.textContent = say("loading-more", "Loading more results\u2026");
        showMore(current, mine, true).catch(function () { failed(mine); });
      });
    })
    .catch(function () { failed(serial); });
})();
