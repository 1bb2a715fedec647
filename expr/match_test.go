package expr

import (
	"slices"
	"testing"
)

func TestMatch(t *testing.T) {
	s := testSchema(t, true)
	b := testBatch(t, s)
	all := []int64{-6, 1, 2, 3, 4, 5}
	cases := []struct {
		src    string
		params map[string]any
		want   []int64
	}{
		// comparisons
		{src: "id == 1", want: []int64{1}},
		{src: "id != 1", want: []int64{-6, 2, 3, 4, 5}},
		{src: "id == -6", want: []int64{-6}},
		{src: "age > 25", want: []int64{2, 3, 4}},
		{src: "age >= 25", want: []int64{2, 3, 4, 5}},
		{src: "age < 25", want: []int64{-6, 1}},
		{src: "age <= 20", want: []int64{-6, 1}},
		{src: "age != 20", want: []int64{-6, 2, 3, 4, 5}},
		{src: "price > 19.75", want: []int64{3, 5}},
		{src: "price == 9.5", want: []int64{1}},
		{src: "age == 20.0", want: []int64{1}},
		{src: "age < 20.5", want: []int64{-6, 1}},
		{src: "price > age", want: []int64{-6, 3, 5}},
		{src: "25 < age", want: []int64{2, 3, 4}},
		{src: "25 >= age", want: []int64{-6, 1, 5}},
		{src: "20 == age", want: []int64{1}},
		{src: "19.75 < price", want: []int64{3, 5}},
		{src: "price == 100", want: []int64{3}},
		{src: "price >= 50", want: []int64{3, 5}},
		{src: "50 != price", want: []int64{-6, 1, 2, 3, 4}},
		{src: `"b" < title`, want: []int64{2, 3, 5}},
		{src: `title <= "banana"`, want: []int64{-6, 1, 2, 4}},
		{src: `"" == title`, want: []int64{-6}},
		{src: "title == \"banana\"", want: []int64{2}},
		{src: "title == 'banana'", want: []int64{2}},
		{src: `title == "ban\u0061na"`, want: []int64{2}},
		{src: `title == "\u00c4pfel_1"`, want: []int64{5}},
		{src: `title > "b"`, want: []int64{2, 3, 5}},
		{src: "ok", want: []int64{-6, 1, 3}},
		{src: "(ok)", want: []int64{-6, 1, 3}},
		{src: "ok == true", want: []int64{-6, 1, 3}},
		{src: "ok == True", want: []int64{-6, 1, 3}},
		{src: "ok != TRUE", want: []int64{2, 4}},
		{src: "true", want: all},
		{src: "false", want: []int64{}},
		{src: "1 < 2", want: all},
		// ranges
		{src: "10 <= price < 100", want: []int64{2, 5}},
		{src: "100 >= price > 10", want: []int64{2, 3, 5}},
		{src: "20 < age <= 40", want: []int64{2, 3, 5}},
		{src: `"b" <= title < "c"`, want: []int64{2}},
		{src: "1 < n < 6", want: []int64{1, 5}},
		// literals
		{src: "id == 0x5", want: []int64{5}},
		{src: "id == 0X5", want: []int64{5}},
		{src: "id == 0o5", want: []int64{5}},
		{src: "id == 05", want: []int64{5}},
		{src: "id == 0b101", want: []int64{5}},
		{src: "price == .5", want: []int64{4}},
		{src: "price < 1e1", want: []int64{-6, 1, 4}},
		{src: "price < 1E1", want: []int64{-6, 1, 4}},
		{src: "age == 2.5e1", want: []int64{5}},
		// in
		{src: "id in [1, 3, 5]", want: []int64{1, 3, 5}},
		{src: "id IN [1, 3, 5,]", want: []int64{1, 3, 5}},
		{src: "id not in [1, 3, 5]", want: []int64{-6, 2, 4}},
		{src: "id NOT IN [1, 3, 5]", want: []int64{-6, 2, 4}},
		{src: "not id in [1, 3, 5]", want: []int64{-6, 2, 4}},
		{src: "id in [1, 2, 2]", want: []int64{1, 2}},
		{src: "age in [20, 30.0, 40.5]", want: []int64{1, 2}},
		{src: "price in [9.5, 50]", want: []int64{1, 5}},
		{src: `title in ["banana", "x"]`, want: []int64{2}},
		{src: "title in []", want: []int64{}},
		{src: "title not in []", want: all},
		{src: `meta["a"] in [1, "str"]`, want: []int64{1, 4}},
		{src: `meta["a"] not in [1, "str"]`, want: []int64{2, 5}},
		{src: `meta["a"] not in [1]`, want: []int64{2, 5}},
		{src: `meta["a"] not in ["str"]`, want: []int64{}},
		{src: `meta["a"] not in []`, want: []int64{1, 2, 4, 5}},
		{src: `meta["arr"] in [[4, 5], 1]`, want: []int64{2}},
		{src: "ok in [false]", want: []int64{2, 4}},
		// like
		{src: `title like "a%"`, want: []int64{1}},
		{src: `title LIKE "%tart"`, want: []int64{3}},
		{src: `title Like "%an%"`, want: []int64{2}},
		{src: `title like "b_n%"`, want: []int64{2}},
		{src: `title like "100\% %"`, want: []int64{4}},
		{src: `title like "_pfel\__"`, want: []int64{5}},
		{src: `title like "%"`, want: all},
		{src: `title like ""`, want: []int64{-6}},
		{src: `title like "banana"`, want: []int64{2}},
		{src: `title like "%e%e%"`, want: []int64{1}},
		{src: `title like "%e_"`, want: []int64{}},
		{src: `title like "%c_"`, want: []int64{4}},
		{src: `title not like "%a%"`, want: []int64{-6, 4, 5}},
		{src: `meta["s"] like "hello%"`, want: []int64{1, 5}},
		{src: `tags[0] like "r%"`, want: []int64{-6, 1, 4}},
		{src: `color like "%e%"`, want: []int64{-6, 1, 2, 4}},
		// logic and precedence
		{src: "not ok", want: []int64{2, 4}},
		{src: "!ok", want: []int64{2, 4}},
		{src: "NOT ok", want: []int64{2, 4}},
		{src: "not not ok", want: []int64{-6, 1, 3}},
		{src: "(age > 30 or price < 1) and not ok", want: []int64{4}},
		{src: `age > 30 || title == "banana"`, want: []int64{2, 3, 4}},
		{src: "age > 30 && ok", want: []int64{3}},
		{src: "age > 30 AND ok OR id == 1", want: []int64{1, 3}},
		{src: "id == 1 or id == 2 and id == 3", want: []int64{1}},
		{src: "not (age > 30)", want: []int64{-6, 1, 2, 5}},
		{src: "NOT age > 30", want: []int64{-6, 1, 2, 5}},
		{src: "ok or age > 100", want: []int64{-6, 1, 3}},
		{src: "ok and age > 0", want: []int64{1, 3}},
		{src: "not (ok and age > 0)", want: []int64{-6, 2, 4}},
		{src: "ok or true", want: all},
		{src: "ok and false", want: []int64{}},
		{src: "not (ok and false)", want: all},
		// arithmetic
		{src: "price * 2 > 30", want: []int64{2, 3, 5}},
		{src: "age % 2 == 0", want: []int64{1, 2, 3, 4}},
		// division by a zero row value is null (a literal 0 is a compile error)
		{src: "age % (age * 0) == 0", want: []int64{}},
		{src: "age / (age - age) == 0", want: []int64{}},
		{src: "price / (age * 0) == 0", want: []int64{}},
		{src: "not (age / (age * 0) == 0)", want: []int64{}},
		{src: "age / (age * 0) is null", want: all},
		{src: "age / 3 == 6", want: []int64{1}},
		{src: "price / 2 == 4.75", want: []int64{1}},
		{src: "age + 5 == 25", want: []int64{1}},
		{src: "age - 30 < 0", want: []int64{-6, 1, 5}},
		{src: "-age < -45", want: []int64{4}},
		{src: "-(age) == 7", want: []int64{-6}},
		{src: "age ** 2 > 1000", want: []int64{3, 4}},
		{src: "2 ** 3 == 8", want: all},
		{src: "-2 ** 2 == -4", want: all},
		{src: "2 ** -1 == 0.5", want: all},
		{src: "age + price > 100", want: []int64{3}},
		{src: "age * 2 + 1 == 41", want: []int64{1}},
		{src: "1 + age * 2 == 41", want: []int64{1}},
		{src: "(1 + age) * 2 == 42", want: []int64{1}},
		{src: "n * 2 == 15", want: []int64{2}},
		{src: `meta["a"] < meta["a"] + 1`, want: []int64{1, 2, 5}},
		{src: `meta["a"] % 2 == 1`, want: []int64{1, 5}},
		// null
		{src: "ok is null", want: []int64{5}},
		{src: "ok IS NULL", want: []int64{5}},
		{src: "ok is not null", want: []int64{-6, 1, 2, 3, 4}},
		{src: "meta is null", want: []int64{3}},
		{src: "meta IS NOT NULL", want: []int64{-6, 1, 2, 4, 5}},
		{src: `meta["nul"] is null`, want: all},
		{src: "color is null", want: []int64{3, 5}},
		{src: "nums[3] is null", want: all},
		// JSON
		{src: `meta["a"] == 1`, want: []int64{1}},
		{src: `meta["a"] > 1`, want: []int64{2, 5}},
		{src: `meta["a"] != 1`, want: []int64{2, 5}},
		{src: `meta["a"] == "str"`, want: []int64{4}},
		{src: `meta['b']["c"] == "x"`, want: []int64{1}},
		{src: `meta["arr"][0] == 4`, want: []int64{2}},
		{src: `meta["arr"][0][1] == 2`, want: []int64{4}},
		{src: `meta["arr"][0] == [1, 2]`, want: []int64{4}},
		{src: `meta[0] == 1`, want: []int64{-6}},
		{src: `meta["flag"]`, want: []int64{2}},
		{src: `not meta["flag"]`, want: []int64{4}},
		{src: `meta["flag"] == true`, want: []int64{2}},
		{src: `exists meta["nul"]`, want: []int64{4}},
		{src: `EXISTS meta["a"]`, want: []int64{1, 2, 4, 5}},
		{src: `exists meta["b"]["c"]`, want: []int64{1}},
		{src: `exists meta[1]`, want: []int64{-6}},
		{src: `exists meta`, want: []int64{-6, 1, 2, 4, 5}},
		{src: `not exists meta["a"]`, want: []int64{-6, 3}},
		// dynamic field
		{src: `color == "red"`, want: []int64{1}},
		{src: `$meta["color"] == "blue"`, want: []int64{2}},
		{src: `color in ["red", "green"]`, want: []int64{1, 4}},
		{src: "exists color", want: []int64{-6, 1, 2, 4, 5}},
		{src: `exists $meta["color"]`, want: []int64{-6, 1, 2, 4, 5}},
		{src: "n > 4", want: []int64{1, 2}},
		{src: "is_vip", want: []int64{2}},
		{src: "is_vip == false", want: []int64{4}},
		{src: `extra["k"] == 1`, want: []int64{4}},
		// arrays and functions
		{src: "array_contains(nums, 2)", want: []int64{1, 4}},
		{src: `ARRAY_CONTAINS(tags, "red")`, want: []int64{-6, 1, 4}},
		{src: "array_contains_all(nums, [2, 4])", want: []int64{4}},
		{src: "Array_Contains_All(nums, [2, 4.0])", want: []int64{4}},
		{src: `array_contains_any(tags, ["blue", "x"])`, want: []int64{2, 4, 5}},
		{src: "array_contains_all(tags, [])", want: all},
		{src: "array_contains_any(nums, [])", want: []int64{}},
		{src: "array_length(nums) == 3", want: []int64{1, 4}},
		{src: "ARRAY_LENGTH(tags) == 0", want: []int64{3}},
		{src: `array_length(meta["arr"]) == 2`, want: []int64{2, 4}},
		{src: "nums[0] == 4", want: []int64{2}},
		{src: "nums[0] > 1", want: []int64{2, 4, 5}},
		{src: `tags[1] == "green"`, want: []int64{1}},
		{src: `json_contains(meta["arr"], 2)`, want: []int64{1}},
		{src: `JSON_CONTAINS(meta["arr"], [1, 2])`, want: []int64{4}},
		{src: `json_contains_all(meta["arr"], [1, 3])`, want: []int64{1}},
		{src: `json_contains_any(meta["arr"], [5, "x"])`, want: []int64{2, 4}},
		{src: "json_contains(meta, 2)", want: []int64{-6}},
		{src: `json_contains(tags, "blue")`, want: []int64{2, 4}},
		{src: `not array_contains(tags, "red")`, want: []int64{2, 3, 5}},
		// placeholders
		{src: "id in {ids}", params: map[string]any{"ids": []any{int64(1), int64(2)}}, want: []int64{1, 2}},
		{src: "id in {ids}", params: map[string]any{"ids": []int64{3}}, want: []int64{3}},
		{src: "age > {a} and title like {p}", params: map[string]any{"a": int64(10), "p": "%a%"}, want: []int64{1, 2, 3}},
		{src: "price > {f}", params: map[string]any{"f": float64(19)}, want: []int64{2, 3, 5}},
		{src: "ok == {b}", params: map[string]any{"b": true}, want: []int64{-6, 1, 3}},
		{src: "{lo} < age < {hi}", params: map[string]any{"lo": 20, "hi": float32(45)}, want: []int64{2, 3, 5}},
		{src: "age == -{a}", params: map[string]any{"a": int64(7)}, want: []int64{-6}},
		{src: "meta[{k}] == 1", params: map[string]any{"k": "a"}, want: []int64{1}},
		{src: "array_contains_any(nums, {l})", params: map[string]any{"l": []any{float64(5), int64(7)}}, want: []int64{2, 5}},
	}
	for _, tc := range cases {
		got, err := matchIDs(t, s, b, tc.src, tc.params)
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.src, got, tc.want)
		}
	}
}

func TestEmptyFilter(t *testing.T) {
	s := testSchema(t, true)
	b := testBatch(t, s)
	for _, src := range []string{"", "   \n\t"} {
		f, err := Compile(src, s, nil)
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		if !f.Empty() || len(f.Fields()) != 0 || f.String() != "" {
			t.Errorf("%q: not empty", src)
		}
		for row := 0; row < b.Rows(); row++ {
			if !f.Match(b, row) {
				t.Errorf("%q: row %d does not match", src, row)
			}
		}
		if _, ok := f.PKValues(); ok {
			t.Errorf("%q: PKValues ok", src)
		}
	}
	var nilFilter *Filter
	if !nilFilter.Match(b, 0) {
		t.Error("nil filter does not match")
	}
}

func TestNoDynamic(t *testing.T) {
	s := testSchema(t, false)
	b := testBatch(t, s)
	got, err := matchIDs(t, s, b, `meta["a"] == 1 or age == 40`, nil)
	if err != nil || !slices.Equal(got, []int64{1, 3}) {
		t.Errorf("got %v, %v", got, err)
	}
	for _, src := range []string{`color == "red"`, `$meta["color"] == "red"`} {
		_, err := Compile(src, s, nil)
		var e *Error
		if !asError(err, &e) || e.Pos != 0 || !contains(e.Msg, "not found") {
			t.Errorf("%s: got %v", src, err)
		}
	}
}

func TestFields(t *testing.T) {
	s := testSchema(t, true)
	cases := []struct {
		src  string
		want []int
	}{
		{`age > 1 and color == "x"`, []int{1, 9}},
		{`exists meta["a"]`, []int{5}},
		{`price > age or price < 0`, []int{1, 2}},
		{`array_length(tags) == 1`, []int{7}},
		{`true`, nil},
	}
	for _, tc := range cases {
		f, err := Compile(tc.src, s, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		if got := f.Fields(); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.src, got, tc.want)
		}
	}
}

func TestConcurrentMatch(t *testing.T) {
	s := testSchema(t, true)
	b := testBatch(t, s)
	f, err := Compile(`age > 25 and (color == "blue" or array_contains(tags, "red"))`, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan []int64)
	for range 4 {
		go func() {
			var ids []int64
			for row := 0; row < b.Rows(); row++ {
				if f.Match(b, row) {
					ids = append(ids, b.Value(0, row).(int64))
				}
			}
			done <- ids
		}()
	}
	for range 4 {
		if got := <-done; !slices.Equal(got, []int64{2, 4}) {
			t.Errorf("got %v", got)
		}
	}
}
