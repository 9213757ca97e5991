using System.Text.Json.Nodes;
using Pipeline.Core.Audio;
using Pipeline.Core.Inference;
using Pipeline.Core.Signals;
using Pipeline.Tests.Infrastructure;

namespace Pipeline.Tests.Inference;

/// <summary>
/// Model cards are checked field by field (issue 14, item 14): a wrong JSON type or an unworkable value is refused in
/// one sentence that names the field by its JSON path, never an exit 70 and never silently accepted.
/// </summary>
public sealed class ModelCardValidationTests : IDisposable
{
    private static readonly string Models = Path.Combine(SharedData.RepositoryRoot, "models");
    private readonly string _dir = Directory.CreateTempSubdirectory("pipeline-card-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static JsonNode Card(string name) => JsonNode.Parse(File.ReadAllText(Path.Combine(Models, name)))!;

    /// <summary>Sets the value at a dotted JSON path with [i] indices (e.g. <c>preprocessing.band</c>, <c>channels[3]</c>).</summary>
    private static void Set(JsonNode root, string path, JsonNode? value)
    {
        var parts = path.Replace("[", ".[", StringComparison.Ordinal).Split('.');
        var node = root;
        for (var i = 0; i < parts.Length - 1; i++)
            node = parts[i].StartsWith('[') ? node[int.Parse(parts[i][1..^1])]! : node[parts[i]]!;
        var last = parts[^1];
        if (last.StartsWith('[')) node[int.Parse(last[1..^1])] = value;
        else node[last] = value;
    }

    [Theory]
    [InlineData("dbconformer-demo.json")]
    [InlineData("ssl/kws-ws.json")]
    [InlineData("ssl/kws-hconv.json")]
    [InlineData("ssl/ssl-tiny-upstream.json")]
    public void The_cards_in_the_repository_are_valid(string name)
    {
        var card = ModelCard.Load(Path.Combine(Models, name));
        Assert.NotEmpty(card.Outputs);
        Assert.True(card.Rate > 0);
    }

    [Theory]
    // wrong JSON types
    [InlineData("ssl/kws-ws.json", "upstream", "5", "'upstream' must be text, not the number 5")]
    [InlineData("ssl/ssl-tiny-upstream.json", "hidden_states.layers", "\"9\"", "'hidden_states.layers' must be a whole number, not the text \"9\"")]
    [InlineData("ssl/ssl-tiny-upstream.json", "hidden_states.layers", "9.5", "'hidden_states.layers' is 9.5, not a whole number")]
    [InlineData("dbconformer-demo.json", "channels[3]", "null", "'channels[3]' must be text, not null")]
    [InlineData("dbconformer-demo.json", "rate", "\"250\"", "'rate' must be a number (a sampling rate in Hz), not the text \"250\"")]
    [InlineData("dbconformer-demo.json", "window.samples", "1000.5", "'window.samples' is 1000.5, not a whole number")]
    [InlineData("dbconformer-demo.json", "preprocessing.alignment.matrix[0][0]", "\"x\"", "'preprocessing.alignment.matrix[0][0]' must be a number")]
    [InlineData("dbconformer-demo.json", "classes", "\"left,right\"", "'classes' must be a list [...], not the text \"left,right\"")]
    [InlineData("dbconformer-demo.json", "preprocessing", "null", "'preprocessing' is null")]
    // values that were silently accepted
    [InlineData("dbconformer-demo.json", "preprocessing.band", "[8]", "'preprocessing.band' holds 1 value, but a band is null or two frequencies")]
    [InlineData("dbconformer-demo.json", "preprocessing.band", "[30, 8]", "'preprocessing.band' is [30, 8] Hz; the upper edge must be above the lower")]
    [InlineData("dbconformer-demo.json", "preprocessing.band", "[8, 200]", "'preprocessing.band' reaches 200 Hz, not below half the rate (125 Hz)")]
    [InlineData("dbconformer-demo.json", "preprocessing.scale", "0", "'preprocessing.scale' is 0, but it must be a positive factor")]
    [InlineData("dbconformer-demo.json", "preprocessing.scale", "1e308", "'preprocessing.scale' is 1E+308, but it must be a positive factor from 1E-09 to 1E+09")]
    [InlineData("dbconformer-demo.json", "preprocessing.notch", "-50", "'preprocessing.notch' is -50, but it must be a frequency in Hz")]
    [InlineData("dbconformer-demo.json", "outputs", "[]", "'outputs' is empty")]
    [InlineData("dbconformer-demo.json", "classes", "[\"left\", \"left\"]", "'classes[1]' repeats 'left'")]
    [InlineData("dbconformer-demo.json", "input.shape[1]", "21", "'input.shape[1]' is 21, but the card lists 22 channels")]
    [InlineData("dbconformer-demo.json", "window.seconds", "3", "'window.seconds' is 3 s, but window.samples / rate is 4 s")]
    [InlineData("dbconformer-demo.json", "commands", "{\"up\": \"UP\"}", "'commands.up' names 'up', which is not one of the classes")]
    [InlineData("dbconformer-demo.json", "rate", "1e308", "'rate' is 1E+308, but it must be a sampling rate in Hz above 0 and up to 1E+07")]
    public void A_wrong_field_is_refused_in_one_sentence_naming_its_json_path(string card, string path, string value, string expected)
    {
        var json = Card(card);
        Set(json, path, JsonNode.Parse(value));
        var e = Assert.Throws<PipelineException>(() => ModelCard.Parse(json.ToJsonString(), "card.json"));
        Assert.StartsWith("The model card 'card.json' is not valid: ", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Every_problem_is_named_in_the_same_sentence()
    {
        var json = Card("dbconformer-demo.json");
        Set(json, "preprocessing.scale", JsonValue.Create(0));
        Set(json, "outputs", new JsonArray());
        json.AsObject().Remove("rate");
        var e = Assert.Throws<PipelineException>(() => ModelCard.Parse(json.ToJsonString(), "card.json"));
        Assert.Contains("'preprocessing.scale' is 0", e.Message);
        Assert.Contains("'outputs' is empty", e.Message);
        Assert.Contains("'rate' is missing", e.Message);
    }

    [Fact]
    public void A_speech_head_whose_card_names_its_upstream_by_a_number_is_a_clear_error_not_a_crash()
    {
        var json = Card("ssl/kws-ws.json");
        Set(json, "upstream", JsonValue.Create(5));
        var head = Path.Combine(_dir, "kws-ws.onnx");
        File.WriteAllBytes(head, []);
        File.WriteAllText(Path.Combine(_dir, "kws-ws.json"), json.ToJsonString());
        var e = Assert.Throws<PipelineException>(() => SslKeywordModel.Load(head));
        Assert.Contains("'upstream' must be text, not the number 5", e.Message);
    }

    [Fact]
    public void An_upstream_card_with_layers_as_text_is_a_clear_error_not_a_crash()
    {
        var upstream = Card("ssl/ssl-tiny-upstream.json");
        Set(upstream, "hidden_states.layers", JsonValue.Create("nine"));
        File.Copy(Path.Combine(Models, "ssl", "kws-ws.json"), Path.Combine(_dir, "kws-ws.json"));
        File.WriteAllBytes(Path.Combine(_dir, "kws-ws.onnx"), []);
        File.WriteAllBytes(Path.Combine(_dir, "ssl-tiny-upstream.onnx"), []);
        File.WriteAllText(Path.Combine(_dir, "ssl-tiny-upstream.json"), upstream.ToJsonString());
        var e = Assert.Throws<PipelineException>(() => SslKeywordModel.Load(Path.Combine(_dir, "kws-ws.onnx")));
        Assert.Contains("'hidden_states.layers' must be a whole number, not the text \"nine\"", e.Message);
    }

    [Fact]
    public void Replay_with_a_card_whose_scale_is_zero_exits_2_naming_the_field()
    {
        File.Copy(Path.Combine(Models, "dbconformer-demo.onnx"), Path.Combine(_dir, "m.onnx"));
        var json = Card("dbconformer-demo.json");
        Set(json, "preprocessing.scale", JsonValue.Create(0));
        File.WriteAllText(Path.Combine(_dir, "m.json"), json.ToJsonString());
        var r = PipelineCli.Run("replay", "recordings/demo-mi.xdf", "--fast", "--model", Path.Combine(_dir, "m.onnx"));
        Assert.True(r.ExitCode == 2, r.All);
        Assert.Contains("'preprocessing.scale' is 0", r.Err);
        Assert.DoesNotContain("internal error", r.All);
    }

    // The demo card turned into an online one (22 channels): reference 2·I, warm-up 20, floor 1e-6.
    private static JsonNode OnlineCard()
    {
        var json = Card("dbconformer-demo.json");
        var rows = new JsonArray();
        for (var i = 0; i < 22; i++) rows.Add(new JsonArray(Enumerable.Range(0, 22).Select(j => (JsonNode)JsonValue.Create(i == j ? 2.0 : 0.0)).ToArray()));
        var a = json["preprocessing"]!["alignment"]!;
        a["mode"] = "online";
        a["reference"] = rows;
        a["warmup"] = 20;
        a["eigenFloor"] = 1e-6;
        return json;
    }

    [Fact]
    public void An_online_card_is_read_with_its_reference_warmup_and_floor()
    {
        var card = ModelCard.Parse(OnlineCard().ToJsonString(), "card.json");
        var a = card.Preprocessing.Alignment!;
        Assert.True(a.IsOnline);
        Assert.Equal(20, a.Warmup);
        Assert.Equal(1e-6, a.EigenFloor);
        Assert.Equal(2.0, a.Reference![5][5]);
        var ea = Pipeline.Core.Preprocessing.OnlineEuclideanAlignment.FromCard(card);
        Assert.Equal(22, ea.Channels);
        Assert.Equal(20, ea.Weight);
        // The demo card itself is offline (mode given or not), so it has no online alignment to build.
        Assert.False(ModelCard.Load(Path.Combine(Models, "dbconformer-demo.json")).Preprocessing.Alignment!.IsOnline);
        Assert.Throws<PipelineException>(() => Pipeline.Core.Preprocessing.OnlineEuclideanAlignment.FromCard(ModelCard.Load(Path.Combine(Models, "dbconformer-demo.json"))));
    }

    [Theory]
    [InlineData("preprocessing.alignment.mode", "\"sideways\"", "'preprocessing.alignment.mode' is 'sideways', but it must be 'offline' (a fixed matrix) or 'online'")]
    [InlineData("preprocessing.alignment.mode", "3", "'preprocessing.alignment.mode' must be text, not the number 3")]
    [InlineData("preprocessing.alignment.reference", "\"from training\"", "'preprocessing.alignment.reference' is text, as an older card's note was")]
    [InlineData("preprocessing.alignment.reference", "[[1, 0], [0, 1]]", "'preprocessing.alignment.reference' is not 22 x 22")]
    [InlineData("preprocessing.alignment.reference[3][4]", "1", "'preprocessing.alignment.reference' is not symmetric ([4][3] is 0 but [3][4] is 1)")]
    [InlineData("preprocessing.alignment.reference[0][0]", "\"big\"", "'preprocessing.alignment.reference[0][0]' must be a number (a covariance value)")]
    [InlineData("preprocessing.alignment.reference[0]", "7", "'preprocessing.alignment.reference[0]' must be a list")]
    [InlineData("preprocessing.alignment.warmup", "-1", "'preprocessing.alignment.warmup' is -1, but it must be a number of windows")]
    [InlineData("preprocessing.alignment.warmup", "\"20\"", "'preprocessing.alignment.warmup' must be a number (a number of windows)")]
    [InlineData("preprocessing.alignment.warmup", "null", "'preprocessing.alignment.warmup' is missing; an online reference needs its weight")]
    [InlineData("preprocessing.alignment.eigenFloor", "0", "'preprocessing.alignment.eigenFloor' is 0, but it must be a fraction of the largest eigenvalue above 0")]
    [InlineData("preprocessing.alignment.eigenFloor", "2", "'preprocessing.alignment.eigenFloor' is 2, but it must be a fraction")]
    [InlineData("preprocessing.alignment.reference", "null", "'preprocessing.alignment.reference' is missing, but warmup is 20")]
    [InlineData("preprocessing.alignment.mode", "\"offline\"", "'preprocessing.alignment.mode' is 'offline', but the card gives online settings")]
    public void A_wrong_online_alignment_field_is_refused_naming_its_json_path(string path, string value, string expected)
    {
        var json = OnlineCard();
        Set(json, path, JsonNode.Parse(value));
        var e = Assert.Throws<PipelineException>(() => ModelCard.Parse(json.ToJsonString(), "card.json"));
        Assert.StartsWith("The model card 'card.json' is not valid: ", e.Message);
        Assert.Contains(expected, e.Message);
    }
}
