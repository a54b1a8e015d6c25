#include "pickle.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "labkit/core/error.h"
#include "labkit/core/log.h"

namespace labkit::qo2mol_pack::pickle {
namespace {

// Item size of a numpy descr ("<f8", "|u1", ...) this reader can decode, or 0: the byte order is one of
// <>|=, the kind one of f (2, 4, 8 bytes), i/u (1, 2, 4, 8), b (1). A crafted dtype like "<f3" once sent
// as_double and as_int into each other forever (found by fuzz/qo2mol_pickle_fuzz).
int itemsize_of(const std::string& descr) {
  if (descr.size() != 3 || std::string("<>|=").find(descr[0]) == std::string::npos) return 0;
  const char kind = descr[1], digit = descr[2];
  if (kind == 'f' && (digit == '2' || digit == '4' || digit == '8')) return digit - '0';
  if ((kind == 'i' || kind == 'u') && (digit == '1' || digit == '2' || digit == '4' || digit == '8')) return digit - '0';
  if (kind == 'b' && digit == '1') return 1;
  return 0;
}

using Kind = Object::Kind;

Ref make(Kind k) {
  auto o = std::make_shared<Object>();
  o->kind = k;
  return o;
}

// The globals a numpy/QO2Mol pickle may name. numpy 2 moved numpy.core to numpy._core.
bool is_numpy_global(const std::string& name, const std::string& tail) {
  return name == "numpy.core." + tail || name == "numpy._core." + tail;
}

struct MemoDropped {};

struct Memo {
  Ref obj;
  bool used;
};  // the optimistic pass dropped a string that a later record refers to

class Machine {
 public:
  Machine(std::string_view bytes, const std::string& where,
          const std::function<void(const Ref&, std::int64_t)>& on_item, const std::function<void(std::size_t)>& on_consumed)
      : p_(bytes), where_(where), on_item_(on_item), on_consumed_(on_consumed) {}
  // A pass after MemoDropped: level 1 keeps every string, level 2 every memoized object (records that
  // share a list or an array, as Python's pickler writes when objects are shared); deliver only records
  // from `skip` on.
  void retry(int keep_level, std::int64_t skip) {
    optimistic_ = false;
    keep_all_ = keep_level >= 2;
    skip_ = skip;
  }
  std::int64_t emitted() const { return emitted_; }

  // One piece: the interpreter's opcode switch, one short case per opcode over the shared stack and memo.
  Ref run() {
    while (true) {
      if (pos_ >= p_.size()) fail("truncated: ended before the STOP opcode");
      const std::size_t op_at = pos_;
      const auto op = static_cast<unsigned char>(p_[pos_++]);
      op_at_ = op_at;
      switch (op) {
        case 0x80: take(1); break;  // PROTO
        case 0x95: take(8); break;  // FRAME: framing is only a read-ahead hint
        case '.': {                 // STOP
          if (stack_.empty()) fail("STOP with an empty stack");
          return stack_.back();
        }
        case '(': marks_.push_back(stack_.size()); break;
        case '}': push(make(Kind::kDict)); break;
        case ']': {
          auto l = make(Kind::kList);
          if (!top_list_ && stack_.empty() && on_item_) top_list_ = l.get();
          push(l);
          break;
        }
        case ')': push(make(Kind::kTuple)); break;
        case 0x8f: push(make(Kind::kSet)); break;
        case 'N': push(make(Kind::kNone)); break;
        case 0x88: case 0x89: {
          auto o = make(Kind::kBool);
          o->b = op == 0x88;
          push(o);
          break;
        }
        case 'J': push_int(static_cast<std::int32_t>(le(4))); break;
        case 'K': push_int(static_cast<std::int64_t>(le(1))); break;
        case 'M': push_int(static_cast<std::int64_t>(le(2))); break;
        case 0x8a: push_long(le(1)); break;
        case 0x8b: push_long(le(4)); break;
        case 'G': {
          const char* b = take(8);
          unsigned char be[8];
          for (int k = 0; k < 8; ++k) be[k] = static_cast<unsigned char>(b[7 - k]);  // big-endian double
          auto o = make(Kind::kFloat);
          std::memcpy(&o->f, be, 8);
          push(o);
          break;
        }
        case 'X': push_text(Kind::kStr, le(4)); break;
        case 0x8c: push_text(Kind::kStr, le(1)); break;
        case 0x8d: push_text(Kind::kStr, le(8)); break;
        case 'B': push_text(Kind::kBytes, le(4)); break;
        case 'C': push_text(Kind::kBytes, le(1)); break;
        case 0x8e: case 0x96: push_text(Kind::kBytes, le(8)); break;
        case 'U': push_text(Kind::kBytes, le(1)); break;  // py2 str: bytes
        case 'T': push_text(Kind::kBytes, le(4)); break;
        case 'c': {
          const std::string module = line(), name = line();
          push_global(module + "." + name);
          break;
        }
        case 0x93: {
          auto name = pop(), module = pop();
          if (module->kind != Kind::kStr || name->kind != Kind::kStr) fail("STACK_GLOBAL needs two strings");
          push_global(module->s + "." + name->s);
          break;
        }
        case 'a': {
          auto v = pop();
          append(peek(), v);
          if (peek().get() == top_list_) drop_transient();
          break;
        }
        case 'e': {
          auto items = pop_mark();
          auto l = peek();
          for (auto& v : items) append(l, v);
          if (l.get() == top_list_) drop_transient();
          break;
        }
        case 's': {
          auto v = pop(), k = pop();
          auto d = peek();
          if (d->kind != Kind::kDict) fail("SETITEM on a " + d->kind_name());
          nest(*d, *k);
          nest(*d, *v);
          d->dict.emplace_back(k, v);
          break;
        }
        case 'u': {
          auto items = pop_mark();
          if (items.size() % 2) fail("SETITEMS with an odd number of items");
          auto d = peek();
          if (d->kind != Kind::kDict) fail("SETITEMS on a " + d->kind_name());
          for (std::size_t k = 0; k < items.size(); k += 2) {
            nest(*d, *items[k]);
            nest(*d, *items[k + 1]);
            d->dict.emplace_back(items[k], items[k + 1]);
          }
          break;
        }
        case 0x90: {
          auto items = pop_mark();
          auto s = peek();
          if (s->kind != Kind::kSet) fail("ADDITEMS on a " + s->kind_name());
          for (auto& v : items) {
            nest(*s, *v);
            s->items.push_back(v);
          }
          break;
        }
        case 0x91: {
          auto t = make_tuple(pop_mark());
          t->kind = Kind::kSet;
          push(t);
          break;
        }
        case 't': push(make_tuple(pop_mark())); break;
        case 0x85: case 0x86: case 0x87: {
          std::vector<Ref> items(op - 0x84);
          for (std::size_t k = items.size(); k-- > 0;) items[k] = pop();
          push(make_tuple(std::move(items)));
          break;
        }
        case 0x94: memoize(next_memo_); break;  // MEMOIZE
        case 'q': memoize(le(1)); break;
        case 'r': memoize(le(4)); break;
        case 'h': push(memo_get(le(1))); break;
        case 'j': push(memo_get(le(4))); break;
        case '0': pop(); break;
        case '1': pop_mark(); break;
        case '2': push(peek()); break;
        case 'R': {
          auto args = pop(), fn = pop();
          push(reduce(fn, args));
          break;
        }
        case 0x81: {  // NEWOBJ: cls.__new__(cls, *args); only ndarray/dtype-like classes come this way
          auto args = pop(), cls = pop();
          push(reduce(cls, args));
          break;
        }
        case 'b': {
          auto state = pop();
          build(peek(), state);
          break;
        }
        case 0x98: case 0x99: break;  // READONLY_BUFFER / (reserved): in-band buffers are plain bytes here
        case 0x97: fail("out-of-band buffer (NEXT_BUFFER) is not supported: re-pickle without buffer_callback");
        default: {
          char hex[8];
          std::snprintf(hex, sizeof hex, "0x%02x", op);
          fail(std::string("unknown pickle opcode ") + hex);
        }
      }
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    // Name the record being decoded when the outer list is streamed (records before it were fine).
    // APPENDS hands records over in batches, so the bad one is at or after this number.
    const std::string rec = top_list_ ? "record " + std::to_string(emitted_) + " or later, " : "";
    throw InputError(where_ + ": " + rec + "pickle byte " + std::to_string(op_at_) + ": " + what);
  }
  const char* take(std::size_t n) {
    if (n > p_.size() - pos_)
      fail("truncated: needs " + std::to_string(n) + " more bytes, file has " + std::to_string(p_.size() - pos_));
    const char* at = p_.data() + pos_;
    pos_ += n;
    return at;
  }
  std::uint64_t le(std::size_t n) {
    const auto* b = reinterpret_cast<const unsigned char*>(take(n));
    std::uint64_t v = 0;
    for (std::size_t k = 0; k < n; ++k) v |= static_cast<std::uint64_t>(b[k]) << (8 * k);
    return v;
  }
  std::string line() {
    const auto end = p_.find('\n', pos_);
    if (end == std::string_view::npos) fail("truncated: GLOBAL without a newline");
    std::string s(p_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return s;
  }
  void push(Ref o) { stack_.push_back(std::move(o)); }
  Ref pop() {
    if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) fail("stack underflow");
    auto o = std::move(stack_.back());
    stack_.pop_back();
    return o;
  }
  Ref peek() const {
    if (stack_.empty()) fail("stack underflow");
    return stack_.back();
  }
  std::vector<Ref> pop_mark() {
    if (marks_.empty()) fail("no MARK on the stack");
    const std::size_t m = marks_.back();
    marks_.pop_back();
    std::vector<Ref> items(std::make_move_iterator(stack_.begin() + static_cast<std::ptrdiff_t>(m)),
                           std::make_move_iterator(stack_.end()));
    stack_.resize(m);
    return items;
  }
  void memoize(std::uint64_t k) {
    auto o = peek();
    memo_[k] = Memo{o, false};
    next_memo_ = std::max(next_memo_, k + 1);
    // Record-owned objects are dropped from the memo once their batch of records is handed over, so
    // memory does not grow with the file: containers and array payloads always (numpy never shares
    // them between records), strings only in the optimistic pass and only if nothing in their batch
    // referred back to them (dict keys and interned values are referred back to at once).
    if (!on_item_ || keep_all_) return;
    if (is_container(*o) || (o->kind == Kind::kBytes && o->s.size() >= 64)) transient_.push_back(k);
    else if (optimistic_ && (o->kind == Kind::kStr || o->kind == Kind::kBytes)) transient_strings_.push_back(k);
  }
  static bool is_container(const Object& o) {
    return o.kind == Kind::kArray || o.kind == Kind::kDict || o.kind == Kind::kList || o.kind == Kind::kTuple;
  }
  void drop_transient() {
    for (auto k : transient_) memo_.erase(k);
    transient_.clear();
    for (auto k : transient_strings_) {
      auto it = memo_.find(k);
      if (it != memo_.end() && !it->second.used) memo_.erase(it);
    }
    transient_strings_.clear();
    if (on_consumed_) on_consumed_(pos_);  // nothing before pos_ is read again: the caller may release it
  }
  Ref memo_get(std::uint64_t k) {
    auto it = memo_.find(k);
    if (it != memo_.end()) {
      it->second.used = true;
      return it->second.obj;
    }
    if (!keep_all_ && k < next_memo_) throw MemoDropped{};  // load() retries keeping more
    fail("memo key " + std::to_string(k) + " was never stored");
  }
  void push_int(std::int64_t v) {
    // Small ints (atomic numbers, charges, bond counts) are shared, read-only objects: allocating one
    // per atom was the largest cost of decoding.
    if (v >= kSmallMin && v <= kSmallMax) {
      auto& cached = small_ints_[static_cast<std::size_t>(v - kSmallMin)];
      if (!cached) {
        cached = make(Kind::kInt);
        cached->i = v;
      }
      push(cached);
      return;
    }
    auto o = make(Kind::kInt);
    o->i = v;
    push(o);
  }
  static constexpr std::int64_t kSmallMin = -8, kSmallMax = 255;
  Ref small_ints_[kSmallMax - kSmallMin + 1];
  void push_long(std::uint64_t n) {
    if (n > 8) fail("integer wider than 64 bits (" + std::to_string(n) + " bytes)");
    const auto* b = reinterpret_cast<const unsigned char*>(take(n));
    std::uint64_t v = 0;
    for (std::size_t k = 0; k < n; ++k) v |= static_cast<std::uint64_t>(b[k]) << (8 * k);
    if (n > 0 && n < 8 && (b[n - 1] & 0x80)) v |= ~std::uint64_t{0} << (8 * n);  // sign-extend
    push_int(static_cast<std::int64_t>(v));
  }
  void push_text(Kind k, std::uint64_t n) {
    auto o = make(k);
    const char* at = take(n);
    o->s.assign(at, n);
    push(o);
  }
  void push_global(const std::string& name) {
    static const char* const allowed_tails[] = {"multiarray._reconstruct", "multiarray.scalar", "numeric._frombuffer"};
    bool ok = name == "numpy.ndarray" || name == "numpy.dtype" || name == "_codecs.encode" ||
              name == "collections.OrderedDict" || name == "builtins.bytearray" || name == "__builtin__.bytearray";
    for (const char* t : allowed_tails) ok = ok || is_numpy_global(name, t);
    if (!ok) fail("unsupported global '" + name + "' (only numpy arrays, scalars and plain containers are read)");
    auto o = make(Kind::kGlobal);
    o->s = name;
    push(o);
  }
  // Puts `child` under `container` (depth bookkeeping only): refuses nesting past kMaxDepth, which a
  // crafted file can reach in a few bytes per level. (A container filled after it was itself placed
  // somewhere is not re-counted upwards; destruction and the readers' walks are bounded separately.)
  void nest(Object& container, const Object& child) {
    if (child.depth + 1 > container.depth) container.depth = child.depth + 1;
    if (container.depth > kMaxDepth) fail("containers nested more than " + std::to_string(kMaxDepth) + " deep");
  }
  Ref make_tuple(std::vector<Ref> items) {
    auto t = make(Kind::kTuple);
    for (const auto& v : items) nest(*t, *v);
    t->items = std::move(items);
    return t;
  }
  void append(const Ref& list, const Ref& v) {
    if (list->kind != Kind::kList) fail("APPEND on a " + list->kind_name());
    if (list.get() == top_list_) {
      // Streamed to the caller, not kept. A retry pass skips the records the first pass delivered.
      if (emitted_ >= skip_) on_item_(v, emitted_);
      ++emitted_;
      return;
    }
    nest(*list, *v);
    list->items.push_back(v);
  }

  // Turns a descr like "f8"/"<f8"/"float64" from dtype(...) arguments into "<f8"-style text.
  static std::string normalise_descr(const std::string& d) {
    static const std::unordered_map<std::string, std::string> names = {
        {"float64", "f8"}, {"float32", "f4"}, {"float16", "f2"}, {"int64", "i8"}, {"int32", "i4"},
        {"int16", "i2"}, {"int8", "i1"}, {"uint64", "u8"}, {"uint32", "u4"}, {"uint16", "u2"},
        {"uint8", "u1"}, {"bool", "b1"}};
    std::string s = d;
    if (auto it = names.find(s); it != names.end()) s = it->second;
    if (!s.empty() && (s[0] == '<' || s[0] == '>' || s[0] == '|' || s[0] == '=')) return s;
    return "<" + s;
  }

  Ref reduce(const Ref& fn, const Ref& args) {
    if (fn->kind != Kind::kGlobal) fail("REDUCE on a " + fn->kind_name() + ", not a global");
    if (args->kind != Kind::kTuple) fail("REDUCE arguments are a " + args->kind_name() + ", not a tuple");
    const auto& a = args->items;
    const std::string& name = fn->s;
    if (is_numpy_global(name, "multiarray._reconstruct") || name == "numpy.ndarray") {
      auto o = make(Kind::kArray);  // filled by BUILD
      o->array = std::make_shared<NdArray>();
      return o;
    }
    if (name == "numpy.dtype") {
      if (a.empty() || a[0]->kind != Kind::kStr) fail("numpy.dtype without a type string");
      auto o = make(Kind::kDType);
      o->s = normalise_descr(a[0]->s);
      if (itemsize_of(o->s) == 0) fail("unsupported numpy dtype '" + a[0]->s + "'");
      return o;
    }
    if (is_numpy_global(name, "multiarray.scalar")) {  // numpy scalar: (dtype, raw bytes)
      if (a.size() < 2 || a[0]->kind != Kind::kDType || a[1]->kind != Kind::kBytes) fail("malformed numpy scalar");
      NdArray tmp;
      tmp.descr = a[0]->s;
      tmp.data = a[1]->s;
      if (tmp.size() != 1) fail("numpy scalar of dtype " + tmp.descr + " has " + std::to_string(a[1]->s.size()) + " bytes");
      const char kind = tmp.descr.size() > 1 ? tmp.descr[1] : '?';
      if (kind == 'f') {
        auto o = make(Kind::kFloat);
        o->f = tmp.as_double(0);
        return o;
      }
      if (kind == 'b') {
        auto o = make(Kind::kBool);
        o->b = tmp.as_int(0) != 0;
        return o;
      }
      auto o = make(Kind::kInt);
      o->i = tmp.as_int(0);
      return o;
    }
    if (is_numpy_global(name, "numeric._frombuffer")) {  // protocol 5: (buffer, dtype, shape, order)
      if (a.size() < 4 || a[0]->kind != Kind::kBytes || a[1]->kind != Kind::kDType || a[2]->kind != Kind::kTuple)
        fail("malformed numpy _frombuffer call");
      auto o = make(Kind::kArray);
      o->array = std::make_shared<NdArray>();
      o->array->descr = a[1]->s;
      o->array->data = a[0]->s;
      for (auto& d : a[2]->items) o->array->shape.push_back(int_of(d));
      o->array->fortran = a[3]->kind == Kind::kStr && a[3]->s == "F";
      check_array(*o->array);
      return o;
    }
    if (name == "_codecs.encode") {  // protocol 2 spells bytes as encode(latin1 text, 'latin1')
      if (a.empty() || a[0]->kind != Kind::kStr) fail("malformed _codecs.encode call");
      auto o = make(Kind::kBytes);
      o->s = latin1_from_utf8(a[0]->s);
      return o;
    }
    if (name == "collections.OrderedDict") return make(Kind::kDict);
    if (name == "builtins.bytearray" || name == "__builtin__.bytearray") {
      auto o = make(Kind::kBytes);
      if (!a.empty() && a[0]->kind == Kind::kBytes) o->s = a[0]->s;
      else if (!a.empty() && a[0]->kind == Kind::kStr) o->s = latin1_from_utf8(a[0]->s);
      return o;
    }
    fail("cannot call '" + name + "'");
  }

  void build(const Ref& obj, const Ref& state) {
    if (obj->kind == Kind::kDType) {  // state (version, byteorder, ...)
      if (state->kind == Kind::kTuple && state->items.size() > 1 && state->items[1]->kind == Kind::kStr) {
        const std::string& order = state->items[1]->s;
        char c = order.empty() ? '<' : order[0];
        if (c == '=') c = '<';  // native order: this reader runs on little-endian machines only
        if (std::string("<>|").find(c) == std::string::npos) fail("unsupported numpy byte order '" + order + "'");
        obj->s[0] = c;
      }
      return;
    }
    if (obj->kind == Kind::kArray) {  // state (version, shape, dtype, is_fortran, raw data)
      if (state->kind != Kind::kTuple || state->items.size() != 5) fail("malformed ndarray state");
      const auto& s = state->items;
      auto& arr = *obj->array;
      if (s[1]->kind != Kind::kTuple) fail("ndarray shape is not a tuple");
      for (auto& d : s[1]->items) arr.shape.push_back(int_of(d));
      if (s[2]->kind != Kind::kDType) fail("ndarray dtype is a " + s[2]->kind_name());
      arr.descr = s[2]->s;
      arr.fortran = s[3]->kind == Kind::kBool ? s[3]->b : (s[3]->kind == Kind::kInt && s[3]->i != 0);
      if (s[4]->kind != Kind::kBytes)
        fail("ndarray of dtype " + arr.descr + " holds Python objects, not raw numbers (object arrays unsupported)");
      arr.data = s[4]->s;
      check_array(arr);
      return;
    }
    if (obj->kind == Kind::kDict && state->kind == Kind::kDict) {
      nest(*obj, *state);
      for (auto& kv : state->dict) obj->dict.push_back(kv);
      return;
    }
    fail("BUILD on a " + obj->kind_name());
  }

  void check_array(const NdArray& a) const {
    const int item = itemsize_of(a.descr);
    if (item == 0) fail("unsupported numpy dtype '" + a.descr + "'");
    // The element count is bounded by the bytes present (no overflow for any claimed shape).
    const std::int64_t max_n = static_cast<std::int64_t>(a.data.size()) / item;
    std::int64_t n = 1;
    for (auto d : a.shape) {
      if (d < 0) fail("negative ndarray dimension");
      if (d != 0 && n > max_n / d) n = max_n + 1;  // more than the data can hold; the check below says so
      else n *= d;
    }
    if (n * item != static_cast<std::int64_t>(a.data.size()))
      fail("ndarray of shape with " + std::to_string(n) + " elements of " + a.descr + " carries " +
           std::to_string(a.data.size()) + " bytes");
  }

  std::int64_t int_of(const Ref& o) const {
    if (o->kind != Kind::kInt) fail("expected an int, got a " + o->kind_name());
    return o->i;
  }

  std::string latin1_from_utf8(const std::string& u) const {
    std::string out;
    out.reserve(u.size());
    for (std::size_t k = 0; k < u.size(); ++k) {
      const auto c = static_cast<unsigned char>(u[k]);
      if (c < 0x80) {
        out.push_back(static_cast<char>(c));
      } else if ((c & 0xE0) == 0xC0 && k + 1 < u.size()) {
        const unsigned cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(u[k + 1]) & 0x3Fu);
        if (cp > 0xFF) fail("latin1 text holds a code point above 255");
        out.push_back(static_cast<char>(cp));
        ++k;
      } else {
        fail("latin1 text holds a code point above 255");
      }
    }
    return out;
  }

  std::string_view p_;
  std::string where_;
  std::function<void(const Ref&, std::int64_t)> on_item_;
  std::function<void(std::size_t)> on_consumed_;
  std::size_t pos_ = 0, op_at_ = 0;
  std::vector<Ref> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<std::uint64_t, Memo> memo_;
  std::vector<std::uint64_t> transient_, transient_strings_;
  bool optimistic_ = true, keep_all_ = false;
  std::int64_t skip_ = 0;
  std::uint64_t next_memo_ = 0;
  const Object* top_list_ = nullptr;
  std::int64_t emitted_ = 0;
};

}  // namespace

std::int64_t NdArray::size() const {
  const int item = itemsize_of(descr);
  return item == 0 ? 0 : static_cast<std::int64_t>(data.size()) / item;
}

namespace {
template <class T>
T load_as(const std::string& data, std::int64_t k, bool big) {
  unsigned char b[sizeof(T)];
  std::memcpy(b, data.data() + static_cast<std::size_t>(k) * sizeof(T), sizeof(T));
  if (big)
    for (std::size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(b[i], b[sizeof(T) - 1 - i]);
  T v;
  std::memcpy(&v, b, sizeof(T));
  return v;
}

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = (h >> 15) & 1u, exp = (h >> 10) & 0x1Fu, mant = h & 0x3FFu;
  float v;
  if (exp == 0) v = std::ldexp(static_cast<float>(mant), -24);
  else if (exp == 31) v = mant ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  else v = std::ldexp(static_cast<float>(mant + 1024), static_cast<int>(exp) - 25);
  return sign ? -v : v;
}
}  // namespace

double NdArray::as_double(std::int64_t k) const {
  const bool big = descr[0] == '>';
  const char kind = descr[1];
  const int size = itemsize_of(descr);
  if (kind == 'f') {
    if (size == 8) return load_as<double>(data, k, big);
    if (size == 4) return load_as<float>(data, k, big);
    if (size == 2) return half_to_float(load_as<std::uint16_t>(data, k, big));
  }
  return static_cast<double>(as_int(k));
}

std::int64_t NdArray::as_int(std::int64_t k) const {
  const bool big = descr[0] == '>';
  const char kind = descr[1];
  const int size = itemsize_of(descr);
  if (size == 0) throw InputError("unsupported numpy dtype " + descr);
  if (kind == 'f') return static_cast<std::int64_t>(as_double(k));
  const bool sign = kind == 'i';
  switch (size) {
    case 1: return sign ? load_as<std::int8_t>(data, k, big) : load_as<std::uint8_t>(data, k, big);
    case 2: return sign ? load_as<std::int16_t>(data, k, big) : load_as<std::uint16_t>(data, k, big);
    case 4: return sign ? load_as<std::int32_t>(data, k, big) : load_as<std::uint32_t>(data, k, big);
    case 8: return sign ? load_as<std::int64_t>(data, k, big) : static_cast<std::int64_t>(load_as<std::uint64_t>(data, k, big));
  }
  throw InputError("unsupported numpy dtype " + descr);
}

Object::~Object() {
  std::vector<Ref> work;
  auto take_children = [&work](Object& o) {
    for (auto& r : o.items)
      if (r) work.push_back(std::move(r));
    o.items.clear();
    for (auto& [k, v] : o.dict) {
      if (k) work.push_back(std::move(k));
      if (v) work.push_back(std::move(v));
    }
    o.dict.clear();
  };
  take_children(*this);
  while (!work.empty()) {
    Ref r = std::move(work.back());
    work.pop_back();
    if (r.use_count() == 1) take_children(*r);  // its children outlive it here, so ~Object below has none
  }
}

const Object* Object::get(const std::string& key) const {
  for (const auto& [k, v] : dict)
    if ((k->kind == Kind::kStr || k->kind == Kind::kBytes) && k->s == key) return v.get();
  return nullptr;
}

std::string Object::kind_name() const {
  switch (kind) {
    case Kind::kNone: return "None";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float";
    case Kind::kStr: return "str";
    case Kind::kBytes: return "bytes";
    case Kind::kList: return "list";
    case Kind::kTuple: return "tuple";
    case Kind::kDict: return "dict";
    case Kind::kSet: return "set";
    case Kind::kGlobal: return "global " + s;
    case Kind::kArray: return "ndarray";
    case Kind::kDType: return "dtype";
    case Kind::kPending: return "object";
  }
  return "?";
}

Ref load(std::string_view bytes, const std::string& where,
         const std::function<void(const Ref&, std::int64_t)>& on_item,
         const std::function<void(std::size_t)>& on_consumed) {
  // Pass 0 drops each batch's objects from the memo; when a later record refers back to one, decode
  // again keeping every string (pass 1), then every object (pass 2: memory then grows with the file, as
  // Python's pickle.load does). Records from `delivered` on may be half-built in the failed batch, so a
  // retry skips only the ones already handed over (APPENDS hands over whole batches).
  std::int64_t delivered = 0;
  for (int level = 0;; ++level) {
    Machine m(bytes, where, on_item, level == 0 ? on_consumed : std::function<void(std::size_t)>{});
    if (level > 0) m.retry(level, delivered);
    try {
      return m.run();
    } catch (const MemoDropped&) {
      delivered = std::max(delivered, m.emitted());
      log::debug("{}: an object dropped after its batch is referred to again; decoding again from record {} "
                 "keeping {}", where, delivered, level == 0 ? "every string" : "every object");
    }
  }
}

}  // namespace labkit::qo2mol_pack::pickle
